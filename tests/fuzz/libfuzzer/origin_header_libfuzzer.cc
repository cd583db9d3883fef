// Coverage-guided (libFuzzer) twin of ../origin_header_fuzz.cc; not part of the CMake build.
// Build and run: see README.md next to this file. Same invariants, checked with a trap:
//   whatever parses re-encodes to the same bytes; decide drops only tandem's own header for
//   exactly this (S, t, p); a malformed header is replicated.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "loopguard/decision.h"
#include "loopguard/origin_header.h"

namespace {

using namespace tandem::loopguard;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_decision(const flow& f, std::string_view topic, std::int32_t partition,
                    std::string_view input, const std::expected<origin, parse_error>& parsed) {
  const decision d = decide(f, topic, partition, input);
  const bool ours =
      parsed && parsed->destination == destination_coords{f.source_region, topic, partition};
  check((d.what == action::drop) == ours);
  check(d.header.has_value() == ours);
  check((d.why == reason::local_malformed_header) == !parsed.has_value());
  if (ours) check((d.why == reason::echo) == (parsed->region == f.target_region));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = header_bytes(data, size);
  const auto parsed = parse(data, size);
  if (parsed) {
    static std::string buffer;
    check(encode(*parsed, buffer) && buffer == input);
    const auto& d = parsed->destination;
    check_decision({d.region, parsed->region}, d.topic, d.partition, input, parsed);  // echo
    check_decision({d.region, "elsewhere"}, d.topic, d.partition, input, parsed);
    check_decision({d.region, parsed->region}, d.topic, d.partition ^ 1, input, parsed);
  }
  check_decision({"west", "east"}, "orders", 3, input, parsed);
  return 0;
}
