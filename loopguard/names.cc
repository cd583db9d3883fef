#include "loopguard/names.h"

#include <array>

namespace tandem::loopguard {
namespace {

// Byte classes by table: locale-independent (<cctype> consults the C locale) and one load per
// byte, since encode() validates every replicated record's names.
enum : unsigned char { region_char = 1, topic_char = 2 };

constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '_' || c == '-') classes[c] = region_char | topic_char;
    if (c == '.') classes[c] = topic_char;
  }
  return classes;
}

constexpr auto classes = make_classes();

bool all_in_class(std::string_view name, unsigned char cls) noexcept {
  for (char c : name) {
    if (!(classes[static_cast<unsigned char>(c)] & cls)) return false;
  }
  return true;
}

}  // namespace

bool is_valid_region(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_region_length && all_in_class(name, region_char);
}

bool is_valid_topic(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_topic_length) return false;
  if (name == "." || name == "..") return false;
  return all_in_class(name, topic_char);
}

}  // namespace tandem::loopguard
