#include "loopguard/decision.h"

namespace tandem::loopguard {

std::string_view to_string(action a) noexcept {
  switch (a) {
    case action::replicate: return "replicate";
    case action::drop: return "drop";
  }
  return "unknown";
}

std::string_view to_string(reason r) noexcept {
  switch (r) {
    case reason::local: return "local";
    case reason::local_malformed_header: return "local_malformed_header";
    case reason::echo: return "echo";
    case reason::third_party: return "third_party";
  }
  return "unknown";
}

decision decide(const flow& f, std::string_view topic, std::int32_t partition,
                std::optional<std::string_view> origin_header) noexcept {
  if (!origin_header) return {action::replicate, reason::local, std::nullopt, std::nullopt};

  // Hardening hook: with an HMAC (origin_header.h), verify it here before trusting the header
  // enough to drop the record.
  const auto parsed = parse(*origin_header);
  if (!parsed) {
    return {action::replicate, reason::local_malformed_header, std::nullopt, parsed.error()};
  }
  const auto& d = parsed->destination;
  const bool written_here =
      d.region == f.source_region && d.topic == topic && d.partition == partition;
  if (!written_here) return {action::replicate, reason::local, std::nullopt, std::nullopt};

  const reason why = parsed->region == f.target_region ? reason::echo : reason::third_party;
  return {action::drop, why, *parsed, std::nullopt};
}

std::optional<std::string_view> select_origin_header(
    std::span<const header_view> headers) noexcept {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->key == origin_header_key) return it->value;
  }
  return std::nullopt;
}

}  // namespace tandem::loopguard
