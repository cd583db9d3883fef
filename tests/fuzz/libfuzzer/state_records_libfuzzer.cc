// Coverage-guided (libFuzzer) twin of ../state_records_fuzz.cc; not part of the CMake build.
// Build and run: see README.md next to this file. The input is a record: the key up to the
// first NUL byte, the value after it (no NUL: a null value). Same invariants, checked with a
// trap: decoding never throws; whatever decodes is valid and re-encodes to a key and value that
// decode to the same record (a checkpoint's key to the same bytes); an error quotes the key.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/state/checkpoint_record.h"
#include "engine/state/run_record.h"

namespace {

using namespace tandem::engine;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool names_key(const std::string& error, std::string_view topic, std::string_view key) {
  return error.starts_with(std::string(topic) + " record \"" + std::string(key.substr(0, 120)));
}

void check_run(std::string_view key, std::optional<std::string_view> value) {
  const auto d = decode_run_record(key, value);
  if (!d) return check(names_key(d.error(), k_offsets_topic, key));
  check(d->tombstone == !value.has_value());
  check(d->tombstone ? d->record.run.length == 0 : tandem::offsets::is_valid(d->record.run));
  check(d->record.partition >= 0 && !d->record.topic.empty());
  std::optional<std::string> v;
  if (!d->tombstone) v = encode_run_value(d->record);
  const auto again = decode_run_record(encode_run_key(d->record), v);
  check(again && *again == *d);
}

void check_checkpoint(std::string_view key, std::optional<std::string_view> value) {
  const auto d = decode_checkpoint_record(key, value);
  if (!d) return check(names_key(d.error(), k_checkpoint_topic, key));
  const auto& c = d->checkpoint;
  check(c.partition >= 0 && c.source.v >= 0 && c.target.v >= 0 && !c.topic.empty());
  check(encode_checkpoint_key(*d) == key);
  const auto again = decode_checkpoint_record(
      key, encode_checkpoint_value(*d, "t", tandem::offsets::translation::exact));
  check(again && *again == *d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view key = input.substr(0, nul);
  std::optional<std::string_view> value;
  if (nul != std::string_view::npos) value = input.substr(nul + 1);
  check_run(key, value);
  check_checkpoint(key, value);
  return 0;
}
