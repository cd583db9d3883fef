#include "engine/state/record_json.h"

#include <limits>

namespace tandem::engine::record_json {
namespace {

using nlohmann::json;

// Finds why a text is not one JSON value: nlohmann's message, or text after a complete value.
class diagnosis : public nlohmann::json_sax<json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&, const json::exception& e) override {
    at_ = position;
    what_ = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while
    // parsing value - invalid literal; last read: 'no'": without the id and the bytes read.
    if (auto cut = what_.find("] "); cut != std::string::npos) what_.erase(0, cut + 2);
    if (auto cut = what_.find("; last read"); cut != std::string::npos) what_.resize(cut);
    return false;
  }

  std::string message() const {
    // nlohmann's position counts the byte it stopped after.
    const std::string where = " at byte " + std::to_string(at_ > 0 ? at_ - 1 : 0);
    if (complete_)
      return std::string("JSON text after the ") + (object_ ? "object" : "value") + where;
    return "JSON " + what_;
  }

 private:
  bool value() {
    if (depth_ == 0) complete_ = true;
    return true;
  }
  bool open(bool object) {
    if (depth_ == 0) object_ = object;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return value();
  }

  int depth_ = 0;
  bool complete_ = false;  // a whole top-level value was read
  bool object_ = false;    // it is an object
  std::size_t at_ = 0;
  std::string what_ = "is not valid";
};

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

}  // namespace

std::expected<json, std::string> parse_object(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    diagnosis d;
    json::sax_parse(text, &d);
    return std::unexpected(d.message());
  }
  if (!j.is_object()) return std::unexpected("JSON value is not an object: " + shown(j));
  return j;
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string excerpt(std::string_view key) {
  return "\"" + std::string(key.substr(0, 120)) + (key.size() > 120 ? "...\"" : "\"");
}

const json* fields::find(std::string_view name) {
  auto it = o_.find(std::string(name));
  if (it != o_.end()) return &*it;
  if (ok()) problem_ = "value lacks \"" + std::string(name) + "\"";
  return nullptr;
}

void fields::unsupported(std::string_view name, const json& v, std::string_view expected) {
  if (ok())
    problem_ = "value: unsupported value of \"" + std::string(name) + "\": " + shown(v) + " (" +
               std::string(expected) + ")";
}

std::optional<std::string> fields::text(std::string_view name) {
  const json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    unsupported(name, *v, "a string is expected");
    return std::nullopt;
  }
  return v->get_ref<const std::string&>();
}

std::optional<int64_t> fields::integer(std::string_view name, int64_t min, int64_t max) {
  const json* v = find(name);
  if (!v) return std::nullopt;
  std::optional<int64_t> n;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      n = static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    n = v->get<int64_t>();
  }
  if (n && *n >= min && *n <= max) return n;
  unsupported(name, *v,
              "an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                  " is expected");
  return std::nullopt;
}

std::expected<fields, std::string> fields::parse_v1(std::string_view value) {
  auto o = parse_object(value);
  if (!o) return std::unexpected("value: " + o.error());
  auto it = o->find("v");
  if (it == o->end()) return std::unexpected("value: missing version \"v\" (this reads version 1)");
  if (!it->is_number_integer() || it->get<int64_t>() != 1)
    return std::unexpected("value: unsupported value of \"v\": " + shown(*it) +
                           " (this reads version 1)");
  return fields(std::move(*o));
}

std::optional<offsets::flow_id> fields::flow() {
  auto source = text("source");
  auto target = text("target");
  if (!source || !target) return std::nullopt;
  return offsets::flow_id{std::move(*source), std::move(*target)};
}

}  // namespace tandem::engine::record_json
