#include "loopguard/origin_header.h"

#include <array>
#include <charconv>
#include <optional>
#include <system_error>

namespace tandem::loopguard {
namespace {

using std::unexpected;

// Hands out the ';'-separated fields of a header value in order. An empty field is a field
// ("v1;;o=…" yields "v1", "", "o=…"), so stray separators are reported, never skipped.
class field_reader {
 public:
  explicit field_reader(std::string_view value) noexcept : rest_(value) {}

  // The next field, or nullopt once the value is used up.
  std::optional<std::string_view> next() noexcept {
    if (done_) return std::nullopt;
    const auto end = rest_.find(';');
    if (end == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    const auto field = rest_.substr(0, end);
    rest_.remove_prefix(end + 1);
    return field;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool all_digits(std::string_view s) noexcept {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Canonical non-negative decimal: no sign, no leading zero (except "0"), fits in Int.
// Canonical so that a parsed header re-encodes to the same bytes.
template <typename Int>
std::optional<Int> parse_decimal(std::string_view s) noexcept {
  if (s.empty() || (s.size() > 1 && s[0] == '0') || !all_digits(s)) return std::nullopt;
  Int value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;  // overflow
  return value;
}

// Splits `s` on '/' into exactly N parts; nullopt for fewer or more.
template <std::size_t N>
std::optional<std::array<std::string_view, N>> split_parts(std::string_view s) noexcept {
  std::array<std::string_view, N> parts;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    const auto slash = s.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = s.substr(0, slash);
    s.remove_prefix(slash + 1);
  }
  if (s.find('/') != std::string_view::npos) return std::nullopt;
  parts[N - 1] = s;
  return parts;
}

std::optional<parse_error> check_version(std::optional<std::string_view> field) noexcept {
  if (field == "v1") return std::nullopt;
  if (field && field->size() >= 2 && (*field)[0] == 'v' && all_digits(field->substr(1))) {
    return parse_error::unsupported_version;
  }
  return parse_error::bad_version;
}

// The value of the next field, which must be "<key>=<value>".
std::expected<std::string_view, parse_error> expect_field(field_reader& fields,
                                                          char key) noexcept {
  const auto field = fields.next();
  if (!field) return unexpected(parse_error::missing_field);
  if (field->size() < 2 || (*field)[0] != key || (*field)[1] != '=') {
    return unexpected(parse_error::unexpected_field);
  }
  return field->substr(2);
}

// Checks shared by `s` and `d`, in the order the parts appear.
std::optional<parse_error> check_region_topic_partition(std::string_view region,
                                                        std::string_view topic,
                                                        std::string_view partition) noexcept {
  if (!is_valid_region(region)) return parse_error::bad_region;
  if (!is_valid_topic(topic)) return parse_error::bad_topic;
  if (!parse_decimal<std::int32_t>(partition)) return parse_error::bad_partition;
  return std::nullopt;
}

std::expected<source_coords, parse_error> parse_source(std::string_view value) noexcept {
  const auto parts = split_parts<4>(value);
  if (!parts) return unexpected(parse_error::bad_coordinates);
  const auto& [region, topic, partition, offset] = *parts;
  if (auto e = check_region_topic_partition(region, topic, partition)) return unexpected(*e);
  const auto off = parse_decimal<std::int64_t>(offset);
  if (!off) return unexpected(parse_error::bad_offset);
  return source_coords{region, topic, *parse_decimal<std::int32_t>(partition), *off};
}

std::expected<destination_coords, parse_error> parse_destination(std::string_view value) noexcept {
  const auto parts = split_parts<3>(value);
  if (!parts) return unexpected(parse_error::bad_coordinates);
  const auto& [region, topic, partition] = *parts;
  if (auto e = check_region_topic_partition(region, topic, partition)) return unexpected(*e);
  return destination_coords{region, topic, *parse_decimal<std::int32_t>(partition)};
}

void append_decimal(std::string& out, std::int64_t value) {
  std::array<char, 24> digits;
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  (void)ec;  // cannot fail: 24 chars hold any int64
  out.append(digits.data(), end);
}

}  // namespace

std::string_view to_string(parse_error e) noexcept {
  switch (e) {
    case parse_error::empty: return "empty";
    case parse_error::too_long: return "too_long";
    case parse_error::bad_version: return "bad_version";
    case parse_error::unsupported_version: return "unsupported_version";
    case parse_error::missing_field: return "missing_field";
    case parse_error::unexpected_field: return "unexpected_field";
    case parse_error::trailing_data: return "trailing_data";
    case parse_error::bad_coordinates: return "bad_coordinates";
    case parse_error::bad_region: return "bad_region";
    case parse_error::bad_topic: return "bad_topic";
    case parse_error::bad_partition: return "bad_partition";
    case parse_error::bad_offset: return "bad_offset";
    case parse_error::origin_mismatch: return "origin_mismatch";
    case parse_error::same_region: return "same_region";
  }
  return "unknown";
}

std::expected<origin, parse_error> parse(std::string_view value) noexcept {
  if (value.empty()) return unexpected(parse_error::empty);
  if (value.size() > max_header_length) return unexpected(parse_error::too_long);

  field_reader fields(value);
  if (auto e = check_version(fields.next())) return unexpected(*e);
  const auto o = expect_field(fields, 'o');
  if (!o) return unexpected(o.error());
  const auto s = expect_field(fields, 's');
  if (!s) return unexpected(s.error());
  const auto d = expect_field(fields, 'd');
  if (!d) return unexpected(d.error());
  if (fields.next()) return unexpected(parse_error::trailing_data);

  if (!is_valid_region(*o)) return unexpected(parse_error::bad_region);
  const auto source = parse_source(*s);
  if (!source) return unexpected(source.error());
  const auto destination = parse_destination(*d);
  if (!destination) return unexpected(destination.error());
  if (source->region != *o) return unexpected(parse_error::origin_mismatch);
  if (destination->region == *o) return unexpected(parse_error::same_region);
  return origin{*o, *source, *destination};
}

bool is_valid(const origin& o) noexcept {
  const auto& s = o.source;
  const auto& d = o.destination;
  return is_valid_region(o.region) && s.region == o.region && is_valid_topic(s.topic) &&
         s.partition >= 0 && s.offset >= 0 && is_valid_region(d.region) &&
         d.region != o.region && is_valid_topic(d.topic) && d.partition >= 0;
}

bool encode(const origin& o, std::string& out) {
  out.clear();
  if (!is_valid(o)) return false;
  out.append("v1;o=").append(o.region);
  out.append(";s=").append(o.source.region).append("/").append(o.source.topic).append("/");
  append_decimal(out, o.source.partition);
  out.append("/");
  append_decimal(out, o.source.offset);
  out.append(";d=").append(o.destination.region).append("/").append(o.destination.topic);
  out.append("/");
  append_decimal(out, o.destination.partition);
  return true;
}

}  // namespace tandem::loopguard
