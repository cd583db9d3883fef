#include "engine/state/run_record.h"

#include <charconv>
#include <map>
#include <variant>
#include <vector>

namespace tandem::engine {
namespace {

// --- A flat JSON object: {"name": string | integer | true | false | null, ...} ---------------

using scalar = std::variant<std::monostate, std::string, int64_t, bool>;
using flat_object = std::map<std::string, scalar, std::less<>>;

class flat_parser {
 public:
  explicit flat_parser(std::string_view s) : s_(s) {}

  std::expected<flat_object, std::string> object() {
    flat_object out;
    if (!eat('{')) return fail("expected '{'");
    if (eat('}')) return end(std::move(out));
    do {
      std::string name;
      if (!string(name)) return fail("expected a field name");
      if (!eat(':')) return fail("expected ':'");
      scalar v;
      if (!value(v)) return fail("unsupported value of \"" + name + "\"");
      out[name] = std::move(v);
    } while (eat(','));
    if (!eat('}')) return fail("expected ',' or '}'");
    return end(std::move(out));
  }

 private:
  std::expected<flat_object, std::string> end(flat_object o) {
    skip();
    if (i_ != s_.size()) return fail("text after the object");
    return o;
  }
  std::unexpected<std::string> fail(const std::string& what) const {
    return std::unexpected("JSON " + what + " at byte " + std::to_string(i_));
  }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool literal(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool value(scalar& v) {
    skip();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      std::string t;
      if (!string(t)) return false;
      v = std::move(t);
      return true;
    }
    if (literal("true")) return v = true, true;
    if (literal("false")) return v = false, true;
    if (literal("null")) return v = std::monostate{}, true;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), n);
    if (ec != std::errc{} || p == s_.data() + i_) return false;
    if (p < s_.data() + s_.size() && (*p == '.' || *p == 'e' || *p == 'E')) return false;
    i_ = static_cast<size_t>(p - s_.data());
    v = n;
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (i_ + 4 > s_.size()) return false;
          auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, cp, 16);
          if (ec != std::errc{} || p != s_.data() + i_ + 4 || cp >= 0x80) return false;  // ASCII
          out += static_cast<char>(cp);
          i_ += 4;
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};


std::string excerpt(std::string_view key) {
  return "\"" + std::string(key.substr(0, 120)) + (key.size() > 120 ? "...\"" : "\"");
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (size_t at; (at = s.find('|', from)) != std::string_view::npos; from = at + 1)
    parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  return parts;
}

std::optional<int64_t> number(std::string_view s) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

// Joins parts[from, to) with '|' (a topic that held '|').
std::string join(const std::vector<std::string_view>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += '|';
    out += parts[i];
  }
  return out;
}

template <class T>
const T* field(const flat_object& o, std::string_view name) {
  auto it = o.find(name);
  return it == o.end() ? nullptr : std::get_if<T>(&it->second);
}

}  // namespace

std::string encode_run_key(const run_record& r) {
  return r.flow.source_region + "|" + r.flow.target_region + "|" + r.topic + "|" +
         std::to_string(r.partition) + "|" + std::to_string(r.run.src_start.v) + "|" +
         std::to_string(r.run.dst_start.v);
}

std::string encode_run_value(const run_record& r) {
  return "{\"v\":1,\"source\":" + json_string(r.flow.source_region) +
         ",\"target\":" + json_string(r.flow.target_region) + ",\"topic\":" + json_string(r.topic) +
         ",\"partition\":" + std::to_string(r.partition) +
         ",\"src_start\":" + std::to_string(r.run.src_start.v) +
         ",\"dst_start\":" + std::to_string(r.run.dst_start.v) +
         ",\"length\":" + std::to_string(r.run.length) + "}";
}

std::expected<decoded_run, std::string> decode_run_record(std::string_view key,
                                                          std::optional<std::string_view> value) {
  auto bad = [&](const std::string& why) {
    return std::unexpected(std::string(k_offsets_topic) + " record " + excerpt(key) + ": " + why);
  };
  auto parts = split(key);
  if (parts.size() < 6) return bad("key needs 6 '|'-separated fields");
  const size_t n = parts.size();
  decoded_run d;
  run_record& r = d.record;
  r.flow = {std::string(parts[0]), std::string(parts[1])};
  r.topic = join(parts, 2, n - 3);
  auto partition = number(parts[n - 3]);
  auto src = number(parts[n - 2]);
  auto dst = number(parts[n - 1]);
  if (!partition || !src || !dst || *partition < 0 || *partition > INT32_MAX || *src < 0 ||
      *dst < 0)
    return bad("key's partition, src_start or dst_start is not a non-negative number");
  if (r.flow.source_region.empty() || r.flow.target_region.empty() || r.topic.empty())
    return bad("key has an empty region or topic");
  r.partition = static_cast<int32_t>(*partition);
  r.run.src_start = {*src};
  r.run.dst_start = {*dst};
  if (!value) {
    d.tombstone = true;
    return d;
  }
  auto o = flat_parser(*value).object();
  if (!o) return bad("value: " + o.error());
  const int64_t* v = field<int64_t>(*o, "v");
  if (!v || *v != 1) return bad("value: unsupported or missing version \"v\" (this reads 1)");
  const std::string* source = field<std::string>(*o, "source");
  const std::string* target = field<std::string>(*o, "target");
  const std::string* topic = field<std::string>(*o, "topic");
  const int64_t* vp = field<int64_t>(*o, "partition");
  const int64_t* vs = field<int64_t>(*o, "src_start");
  const int64_t* vd = field<int64_t>(*o, "dst_start");
  const int64_t* len = field<int64_t>(*o, "length");
  if (!source || !target || !topic || !vp || !vs || !vd || !len)
    return bad("value lacks source, target, topic, partition, src_start, dst_start or length");
  if (*source != r.flow.source_region || *target != r.flow.target_region || *topic != r.topic ||
      *vp != r.partition || *vs != r.run.src_start.v || *vd != r.run.dst_start.v)
    return bad("value does not match the key");
  r.run.length = *len;
  if (!offsets::is_valid(r.run))
    return bad("not a valid run (length " + std::to_string(*len) + ")");
  return d;
}

std::expected<decoded_checkpoint, std::string> decode_checkpoint_record(
    std::string_view key, std::optional<std::string_view> value) {
  auto bad = [&](const std::string& why) {
    return std::unexpected("tandem.checkpoints record " + excerpt(key) + ": " + why);
  };
  if (!value) return bad("a tombstone");
  auto o = flat_parser(*value).object();
  if (!o) return bad("value: " + o.error());
  const int64_t* v = field<int64_t>(*o, "v");
  if (!v || *v != 1) return bad("value: unsupported or missing version \"v\" (this reads 1)");
  const std::string* source = field<std::string>(*o, "source");
  const std::string* target = field<std::string>(*o, "target");
  const std::string* group = field<std::string>(*o, "group");
  const std::string* topic = field<std::string>(*o, "topic");
  const int64_t* partition = field<int64_t>(*o, "partition");
  const int64_t* so = field<int64_t>(*o, "source_offset");
  const int64_t* to = field<int64_t>(*o, "target_offset");
  const int64_t* time = field<int64_t>(*o, "time_ms");
  if (!source || !target || !group || !topic || !partition || !so || !to || !time)
    return bad("value lacks source, target, group, topic, partition, source_offset, "
               "target_offset or time_ms");
  if (source->empty() || target->empty() || topic->empty() || *partition < 0 ||
      *partition > INT32_MAX || *so < 0 || *to < 0)
    return bad("value has an empty name or a negative number");
  std::string expect_key =
      *source + "|" + *target + "|" + *group + "|" + *topic + "|" + std::to_string(*partition);
  if (key != expect_key) return bad("value does not match the key");
  decoded_checkpoint d;
  d.flow = {*source, *target};
  d.checkpoint = {*group, *topic, static_cast<int32_t>(*partition), {*so}, {*to}, *time};
  return d;
}

std::string json_string(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

}  // namespace tandem::engine
