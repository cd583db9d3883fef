// Reads tandemctl's --json output in tests: checks that it is one well-formed document
// (nlohmann::json, plus: no repeated key in an object, integers only, as tandemctl writes) and
// lets assertions walk it (objects, arrays, strings, integers, booleans, null).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

namespace detail {

// `v` as a json; false on a number that is not an int64.
inline bool convert(const nlohmann::json& v, json& out) {
  using value_t = nlohmann::json::value_t;
  switch (v.type()) {
    case value_t::null: out.t = json::type::null; return true;
    case value_t::boolean: out.t = json::type::boolean, out.b = v.get<bool>(); return true;
    case value_t::string: out.t = json::type::string, out.str = v.get<std::string>(); return true;
    case value_t::number_integer:
    case value_t::number_unsigned:
      if (v.is_number_unsigned() &&
          v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return false;
      out.t = json::type::number, out.num = v.get<int64_t>();
      return true;
    case value_t::array:
      out.t = json::type::array;
      for (const auto& item : v)
        if (!convert(item, out.items.emplace_back())) return false;
      return true;
    case value_t::object:
      out.t = json::type::object;
      for (const auto& [k, item] : v.items())
        if (!convert(item, out.fields[k])) return false;
      return true;
    default: return false;  // floats, binary
  }
}

}  // namespace detail

// The document, or nullopt when the text is not exactly one JSON value (whitespace around), an
// object repeats a key (a writer bug) or a number is not an int64.
inline std::optional<json> parse_json(std::string_view text) {
  std::vector<std::set<std::string>> keys;  // per open object
  bool repeated = false;
  auto seen = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start) keys.emplace_back();
    if (event == event_t::object_end) keys.pop_back();
    if (event == event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      repeated = true;
    return true;
  };
  const auto doc = nlohmann::json::parse(text, seen, /*allow_exceptions=*/false);
  json out;
  if (doc.is_discarded() || repeated || !detail::convert(doc, out)) return std::nullopt;
  return out;
}

}  // namespace tandem::tools::testing
