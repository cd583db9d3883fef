// A tiny JSON reader for tests: checks that tandemctl's --json output is one well-formed
// document and lets assertions walk it (objects, arrays, strings, integers, booleans, null).
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::tools::testing {

struct json {
  enum class type { null, boolean, number, string, array, object } t = type::null;
  bool b = false;
  int64_t num = 0;
  std::string str;
  std::vector<json> items;
  std::map<std::string, json> fields;

  bool is_null() const { return t == type::null; }
  // Missing keys and indexes give a null value (so chains do not crash).
  const json& operator[](const std::string& key) const {
    static const json none;
    auto it = fields.find(key);
    return it == fields.end() ? none : it->second;
  }
  const json& operator[](size_t i) const {
    static const json none;
    return i < items.size() ? items[i] : none;
  }
  bool has(const std::string& key) const { return fields.contains(key); }
};

class json_parser {
 public:
  explicit json_parser(std::string_view text) : s_(text) {}

  // The document, or nullopt when the text is not exactly one JSON value (whitespace around).
  std::optional<json> parse() {
    json v;
    if (!value(v)) return std::nullopt;
    ws();
    if (i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool string(std::string& out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        char e = s_[i_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {
            if (i_ + 4 > s_.size()) return false;
            out += static_cast<char>(std::stoi(std::string(s_.substr(i_, 4)), nullptr, 16));
            i_ += 4;
            break;
          }
          default: return false;
        }
      } else {
        out += c;
      }
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  bool value(json& v) {
    ws();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.t = json::type::object;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      while (true) {
        ws();
        std::string k;
        if (!string(k)) return false;
        ws();
        if (!lit(":")) return false;
        json item;
        if (!value(item)) return false;
        if (v.fields.contains(k)) return false;  // duplicate keys are a writer bug
        v.fields.emplace(std::move(k), std::move(item));
        ws();
        if (lit(",")) continue;
        return lit("}");
      }
    }
    if (c == '[') {
      ++i_;
      v.t = json::type::array;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      while (true) {
        json item;
        if (!value(item)) return false;
        v.items.push_back(std::move(item));
        ws();
        if (lit(",")) continue;
        return lit("]");
      }
    }
    if (c == '"') {
      v.t = json::type::string;
      return string(v.str);
    }
    if (lit("null")) return v.t = json::type::null, true;
    if (lit("true")) return v.t = json::type::boolean, v.b = true, true;
    if (lit("false")) return v.t = json::type::boolean, v.b = false, true;
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == start || (i_ == start + 1 && s_[start] == '-')) return false;
    v.t = json::type::number;
    v.num = std::stoll(std::string(s_.substr(start, i_ - start)));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

inline std::optional<json> parse_json(std::string_view text) { return json_parser(text).parse(); }

}  // namespace tandem::tools::testing
