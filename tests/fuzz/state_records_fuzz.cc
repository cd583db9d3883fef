// Randomized property test of the state records' decoders (engine/state/run_record.h,
// engine/state/checkpoint_record.h): tandem.offsets and tandem.checkpoints are read from Kafka,
// where anyone who may produce to them can write any bytes. Standalone (no gtest),
// deterministic: the same seed gives the same inputs.
//
//   fuzz_state_records [inputs=50000] [seed]
//
// Inputs, in rotation: random bytes (key and value, sometimes no value); a valid key with
// random text over JSON's alphabet; valid records of random runs and checkpoints (round trips);
// valid records with 1-4 mutations of the key and/or the value (bit flips, byte and JSON-token
// inserts, deletes, truncation, slice duplication); near-valid values built field by field with
// one to three edits (a field's value replaced by an edge case: huge, negative, float,
// non-canonical or quoted numbers, null, nested; a field dropped, repeated, or an unknown one
// added). Every input goes through both decoders; invariants:
//   R1  decode(encode(x)) == x for every generated valid run and checkpoint (names with '|',
//       quotes, backslashes, control characters, multi-byte UTF-8), and the run's key alone (a
//       tombstone) names the same run;
//   R2  whatever decodes is valid (a run: offsets::is_valid, non-empty regions without '|' and
//       topic, partition >= 0; a checkpoint: non-empty regions and topic, non-negative partition
//       and offsets) and re-encodes to a key and value that decode to the same record; a
//       checkpoint's key re-encodes to the very same bytes;
//   R3  an error names the topic and quotes (a prefix of) the key;
//   R4  nothing throws.
// Each key and value sits in its own exact-size heap block so ASan reports any read past its end.
// Prints one summary line; exits 1 if any invariant broke, 2 on bad arguments.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/state/checkpoint_record.h"
#include "engine/state/run_record.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tandem::engine;
using namespace std::string_view_literals;
using tandem::fuzz::escaped;
using tandem::fuzz::random_number;
using tandem::fuzz::rng;
namespace offsets = tandem::offsets;

constexpr std::array<std::string_view, 4> known_regions = {"east", "west", "eu-south_2", "x"};
constexpr std::string_view region_chars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
// Pieces of names: plain, the key separator, what JSON escapes, multi-byte UTF-8.
constexpr std::array<std::string_view, 23> name_atoms = {
    "orders", "a", "b", "7", ".", "-", "_", "|", "||", "\"", "\\", "/", " ", "\n", "\t", "\b",
    "\f", "\r", "\x01", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
// Bytes JSON is made of, plus NUL and bytes that are not UTF-8.
constexpr std::string_view json_chars = "{}[]:,\"\\ 0123456789-+.eEtrufalsnv|\0\xff\xc3"sv;
constexpr std::array<std::string_view, 14> json_tokens = {
    "null", "true", "1e999", "-0", "18446744073709551616", "\\u0000", "\\ud800", "{", "[",
    "\"v\":1,", "\"length\":", "\"partition\":", "}", "\"\\u00e9\""};
// Edge values of a field (JSON text).
constexpr std::array<std::string_view, 24> edge_values = {
    "0", "-1", "-0", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
    "9223372036854775808", "18446744073709551615", "18446744073709551616",
    "99999999999999999999999999", "1.0", "1e3", "-1.5e-7", "01", "\"3\"", "\"\"", "null",
    "true", "[]", "{\"a\":[1,{}]}", "\"west\"", "\"orders\""};

std::string random_region(rng& r) {
  if (r.one_in(2)) return std::string(r.pick(known_regions));
  std::string out(1 + r.below(r.one_in(16) ? 64 : 8), ' ');
  for (char& c : out) c = region_chars[r.below(region_chars.size())];
  return out;
}

// A name from `name_atoms` (never empty unless `may_be_empty`).
std::string random_name(rng& r, bool may_be_empty) {
  std::string out;
  const std::size_t atoms = (may_be_empty && r.one_in(8)) ? 0 : 1 + r.below(r.one_in(8) ? 40 : 4);
  for (std::size_t i = 0; i < atoms; ++i) out += r.pick(name_atoms);
  return out;
}

run_record random_run(rng& r) {
  run_record x{{random_region(r), random_region(r)}, random_name(r, false),
               random_number<int32_t>(r), {}};
  x.run.length = std::min<int64_t>(
      offsets::max_offset, 1 + static_cast<int64_t>(r.below(100)) +
                               (r.one_in(4) ? random_number<int64_t>(r) % offsets::max_offset : 0));
  const int64_t last = offsets::max_offset - x.run.length;
  x.run.src_start = {std::min(random_number<int64_t>(r), last)};
  x.run.dst_start = {std::min(random_number<int64_t>(r), last)};
  return x;
}

checkpoint_record random_checkpoint(rng& r) {
  return {{random_region(r), random_region(r)},
          {random_name(r, true), random_name(r, false), random_number<int32_t>(r),
           {random_number<int64_t>(r)}, {random_number<int64_t>(r)},
           static_cast<int64_t>(r.next())}};
}

std::string random_bytes(rng& r, std::string_view alphabet) {
  std::string out(r.one_in(50) ? r.below(2000) : r.below(120), '\0');
  for (char& c : out)
    c = alphabet.empty() ? static_cast<char>(r.next()) : alphabet[r.below(alphabet.size())];
  return out;
}

void mutate_once(rng& r, std::string& s) {
  const std::size_t at = r.below(s.size() + 1);
  switch (r.below(7)) {
    case 0: if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1u << r.below(8))); break;
    case 1: s.insert(at, 1, static_cast<char>(r.next())); break;
    case 2: s.insert(at, 1, json_chars[r.below(json_chars.size())]); break;
    case 3: s.insert(at, r.pick(json_tokens)); break;
    case 4: if (at < s.size()) s.erase(at, 1 + r.below(4)); break;
    case 5: s.resize(at); break;
    default: if (at < s.size()) s.insert(at, s, at, 1 + r.below(12));
  }
}

// A JSON string of `s` (valid UTF-8).
std::string json_text(std::string_view s) { return nlohmann::json(s).dump(); }

using field_list = std::vector<std::pair<std::string, std::string>>;  // name, JSON text

field_list run_fields(const run_record& x) {
  return {{"v", "1"},
          {"source", json_text(x.flow.source_region)},
          {"target", json_text(x.flow.target_region)},
          {"topic", json_text(x.topic)},
          {"partition", std::to_string(x.partition)},
          {"src_start", std::to_string(x.run.src_start.v)},
          {"dst_start", std::to_string(x.run.dst_start.v)},
          {"length", std::to_string(x.run.length)}};
}

field_list checkpoint_fields(const checkpoint_record& x) {
  const auto& c = x.checkpoint;
  return {{"v", "1"},
          {"source", json_text(x.flow.source_region)},
          {"target", json_text(x.flow.target_region)},
          {"group", json_text(c.group)},
          {"topic", json_text(c.topic)},
          {"partition", std::to_string(c.partition)},
          {"source_offset", std::to_string(c.source.v)},
          {"target_offset", std::to_string(c.target.v)},
          {"time_ms", std::to_string(c.time_ms)}};
}

// One to three edits of `f`, then the object's text (sometimes with whitespace).
std::string near_valid(rng& r, field_list f) {
  for (std::size_t n = 1 + r.below(3); n > 0; --n) {
    const std::size_t i = r.below(f.size());
    switch (r.below(5)) {
      case 0:
      case 1: f[i].second = r.pick(edge_values); break;
      case 2: f.erase(f.begin() + static_cast<std::ptrdiff_t>(i)); break;
      case 3: {  // repeated: the last one counts
        std::string name = f[i].first;
        f.emplace_back(std::move(name), r.pick(edge_values));
        break;
      }
      default:
        f.emplace(f.begin() + static_cast<std::ptrdiff_t>(i), "later", r.pick(edge_values));
    }
    if (f.empty()) break;
  }
  const std::string_view space = r.one_in(4) ? " \n\t"sv.substr(r.below(3), 1) : ""sv;
  std::string out = "{";
  for (const auto& [name, text] : f)
    out.append(out.size() > 1 ? "," : "").append(space).append(json_text(name) + ":" + text);
  return out + "}";
}

// ---- Checking ----

struct stats {
  std::uint64_t inputs = 0, runs = 0, tombstones = 0, checkpoints = 0, roundtrips = 0,
                violations = 0;
};

void violation(stats& st, const char* what, std::string_view key,
               std::optional<std::string_view> value) {
  if (++st.violations <= 10)
    std::fprintf(stderr, "fuzz_state_records: VIOLATION %s; key (%zu bytes): %s; value: %s\n",
                 what, key.size(), escaped(key).c_str(),
                 value ? escaped(*value).c_str() : "(null)");
}

bool names_key(const std::string& error, std::string_view topic, std::string_view key) {
  return error.starts_with(std::string(topic) + " record \"" + std::string(key.substr(0, 120)));
}

bool valid(const run_record& x) {
  const auto& f = x.flow;
  return offsets::is_valid(x.run) && x.partition >= 0 && !f.source_region.empty() &&
         !f.target_region.empty() && !x.topic.empty() &&
         f.source_region.find('|') == std::string::npos &&
         f.target_region.find('|') == std::string::npos;
}

bool valid(const checkpoint_record& x) {
  const auto& c = x.checkpoint;
  return !x.flow.source_region.empty() && !x.flow.target_region.empty() && !c.topic.empty() &&
         c.partition >= 0 && c.source.v >= 0 && c.target.v >= 0;
}

// R2-R3 for tandem.offsets; the decoded record, if any.
std::optional<run_entry> check_run(stats& st, std::string_view key,
                                     std::optional<std::string_view> value) {
  auto d = decode_run_record(key, value);
  if (!d) {
    if (!names_key(d.error(), k_offsets_topic, key))
      violation(st, "run error does not name the key", key, value);
    return std::nullopt;
  }
  ++(d->tombstone ? st.tombstones : st.runs);
  if (d->tombstone ? d->record.run.length != 0 : !valid(d->record))
    violation(st, "decoded an invalid run", key, value);
  const std::string k = encode_run_key(d->record);
  std::optional<std::string> v;
  if (!d->tombstone) v = encode_run_value(d->record);
  auto again = decode_run_record(k, v);
  if (!again || *again != *d)
    violation(st, "a decoded run does not re-encode to itself", key, value);
  return *d;
}

// R2-R3 for tandem.checkpoints; the decoded record, if any.
std::optional<checkpoint_record> check_checkpoint(stats& st, std::string_view key,
                                                  std::optional<std::string_view> value) {
  auto d = decode_checkpoint_record(key, value);
  if (!d) {
    if (!names_key(d.error(), k_checkpoint_topic, key))
      violation(st, "checkpoint error does not name the key", key, value);
    return std::nullopt;
  }
  ++st.checkpoints;
  if (!valid(*d)) violation(st, "decoded an invalid checkpoint", key, value);
  if (encode_checkpoint_key(*d) != key)
    violation(st, "checkpoint key is not canonical", key, value);
  auto again = decode_checkpoint_record(
      key, encode_checkpoint_value(*d, "t", offsets::translation::rounded));
  if (!again || *again != *d)
    violation(st, "a decoded checkpoint does not re-encode to itself", key, value);
  return *d;
}

// One (key, value) through both decoders, in exact-size copies.
std::pair<std::optional<run_entry>, std::optional<checkpoint_record>> check_input(
    stats& st, const std::string& key, const std::optional<std::string>& value) {
  ++st.inputs;
  const std::unique_ptr<char[]> k(new char[key.size()]);
  std::memcpy(k.get(), key.data(), key.size());
  std::unique_ptr<char[]> v;
  std::optional<std::string_view> value_view;
  if (value) {
    v.reset(new char[value->size()]);
    std::memcpy(v.get(), value->data(), value->size());
    value_view = std::string_view(v.get(), value->size());
  }
  const std::string_view key_view(k.get(), key.size());
  return {check_run(st, key_view, value_view), check_checkpoint(st, key_view, value_view)};
}

// R1: generated valid records decode to themselves.
void check_round_trips(stats& st, rng& r) {
  const run_record x = random_run(r);
  const std::string key = encode_run_key(x);
  auto run = check_input(st, key, encode_run_value(x)).first;
  if (!run || run->tombstone || run->record != x)
    violation(st, "decode(encode(run)) != run", key, encode_run_value(x));
  auto tombstone = check_input(st, key, std::nullopt).first;
  if (!tombstone || !tombstone->tombstone || tombstone->record.run.src_start != x.run.src_start ||
      tombstone->record.run.dst_start != x.run.dst_start || tombstone->record.topic != x.topic)
    violation(st, "the key of a run does not name it", key, std::nullopt);
  const checkpoint_record c = random_checkpoint(r);
  const std::string ckey = encode_checkpoint_key(c);
  const std::string cvalue =
      encode_checkpoint_value(c, c.checkpoint.topic, offsets::translation::exact);
  auto checkpoint = check_input(st, ckey, cvalue).second;
  if (!checkpoint || *checkpoint != c)
    violation(st, "decode(encode(checkpoint)) != checkpoint", ckey, cvalue);
  else
    st.roundtrips += 2;
}

// A valid record of either kind, then 1-4 mutations of its key and/or value.
void check_mutated(stats& st, rng& r) {
  std::string key, value;
  if (r.one_in(2)) {
    const run_record x = random_run(r);
    key = encode_run_key(x), value = encode_run_value(x);
  } else {
    const checkpoint_record c = random_checkpoint(r);
    key = encode_checkpoint_key(c);
    value = encode_checkpoint_value(c, "t", offsets::translation::empty);
  }
  const std::size_t which = r.below(4);  // 0: key, 1: value, else both
  for (std::size_t n = 1 + r.below(4); n > 0; --n) {
    if (which != 1) mutate_once(r, key);
    if (which != 0) mutate_once(r, value);
  }
  check_input(st, key, value);
}

void run_one(stats& st, rng& r) {
  switch (st.inputs % 7) {
    case 0: {
      const std::string key = random_bytes(r, {});
      std::optional<std::string> value;
      if (!r.one_in(4)) value = random_bytes(r, {});
      return (void)check_input(st, key, value);
    }
    case 1: {
      const std::string key = encode_run_key(random_run(r));
      return (void)check_input(st, key, random_bytes(r, json_chars));
    }
    case 2: return check_round_trips(st, r);
    case 3:
    case 4: return check_mutated(st, r);
    case 5: {
      const run_record x = random_run(r);
      return (void)check_input(st, encode_run_key(x), near_valid(r, run_fields(x)));
    }
    default: {
      const checkpoint_record c = random_checkpoint(r);
      return (void)check_input(st, encode_checkpoint_key(c), near_valid(r, checkpoint_fields(c)));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 50'000, seed = 0x57a7e;
  if (!tandem::fuzz::parse_args(argc, argv, count, seed)) return 2;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  stats st;
  rng r(seed);
  tandem::fuzz::run_catching([&] { while (st.inputs < count) run_one(st, r); },  // R4
                             [&](const char* what) { violation(st, what, "", std::nullopt); });
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "fuzz_state_records: seed=%llu inputs=%llu runs=%llu tombstones=%llu checkpoints=%llu "
      "roundtrips=%llu violations=%llu time=%.2fs cpu=%.2fs\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(st.inputs),
      static_cast<unsigned long long>(st.runs), static_cast<unsigned long long>(st.tombstones),
      static_cast<unsigned long long>(st.checkpoints),
      static_cast<unsigned long long>(st.roundtrips),
      static_cast<unsigned long long>(st.violations), elapsed.count(), cpu);
  return st.violations == 0 ? 0 : 1;
}
