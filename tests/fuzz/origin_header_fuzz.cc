// Randomized property test of the origin-header parser and the replicate/drop decision.
// Standalone (no gtest), deterministic: the same seed gives the same inputs.
//
//   fuzz_loopguard [inputs=1000000] [seed]
//
// Inputs, in rotation: random bytes; random text over the header's alphabet; valid headers of
// random origins; valid headers with 1-4 mutations (bit flips, byte inserts/deletes/overwrites,
// truncation, slice duplication, splices of two headers); structured near-valid headers built
// from interesting parts (huge and non-canonical numbers, boundary-length names, wrong
// versions, reordered/dropped/extra fields). Every input is parsed and decided upon; invariants:
//   I1  parse(encode(x)) == x for every generated valid x (and encode accepts it);
//   I2  whatever parses re-encodes to the same bytes, its views lie inside the input, and it
//       satisfies is_valid (strict, canonical v1);
//   I3  decide says drop only if the header parsed and d == (S, t, p) exactly, with reason echo
//       iff o == T; otherwise replicate, malformed iff the header did not parse, and no header
//       means local;
//   I4  nothing throws.
// Each input sits in its own exact-size heap block so ASan reports any read past its end.
// Prints one summary line; exits 1 if any invariant broke, 2 on bad arguments.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "loopguard/decision.h"
#include "loopguard/origin_header.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tandem::loopguard;
using tandem::fuzz::escaped;
using tandem::fuzz::random_number;
using tandem::fuzz::rng;
using namespace std::string_view_literals;

constexpr std::string_view region_chars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
// Bytes a header is made of, plus NUL and a non-ASCII byte (the sv literal keeps the NUL).
constexpr std::string_view header_chars = "v1;osd=/0123456789-_.+ewstnorhabxV\0\xff"sv;
constexpr std::array<std::string_view, 4> known_regions = {"east", "west", "north", "eu-south_2"};
constexpr std::array<std::string_view, 4> known_topics = {"orders", "west.orders", "a", "__x-y.z"};

// An origin whose strings it owns; view() gives the loopguard struct pointing into them.
struct owned_origin {
  std::string region, source_topic, destination_region, destination_topic;
  std::int32_t source_partition = 0, destination_partition = 0;
  std::int64_t offset = 0;
  origin view() const {
    return {region,
            {region, source_topic, source_partition, offset},
            {destination_region, destination_topic, destination_partition}};
  }
};

// A name over `chars` into `out`, usually short; at the length limit 1 time in 32 so
// boundaries are hit. Generators write into reused strings: under ASan every allocation costs
// a stack capture, and this loop runs a million times.
void random_name(rng& r, std::string_view chars, std::size_t max_length, std::string& out) {
  const std::size_t length =
      r.one_in(32) ? max_length : 1 + r.below(r.one_in(16) ? max_length : 8);
  out.resize(length);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < length; ++i, bits >>= 8) {
    if (i % 8 == 0) bits = r.next();
    out[i] = chars[(bits & 0xff) % chars.size()];
  }
}

void random_region(rng& r, bool known, std::string& out) {
  if (known) {
    out = r.pick(known_regions);
  } else {
    random_name(r, region_chars, max_region_length, out);
  }
}

void random_topic(rng& r, std::string& out) {
  static constexpr std::string_view topic_chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
  if (r.one_in(2)) {
    out = r.pick(known_topics);
    return;
  }
  random_name(r, topic_chars, max_topic_length, out);
  if (out == "." || out == "..") out = "dot";
}

void random_origin(rng& r, owned_origin& o) {
  const bool known = r.one_in(2);
  random_region(r, known, o.region);
  do {
    random_region(r, known, o.destination_region);
  } while (o.destination_region == o.region);
  random_topic(r, o.source_topic);
  if (r.one_in(2)) {
    o.destination_topic = o.source_topic;
  } else {
    random_topic(r, o.destination_topic);
  }
  o.source_partition = random_number<std::int32_t>(r);
  o.destination_partition = r.one_in(4) ? random_number<std::int32_t>(r) : o.source_partition;
  o.offset = random_number<std::int64_t>(r);
}

// Reused between inputs; see random_name.
struct scratch {
  owned_origin origin, other_origin;
  std::string text, other, buffer;
};

void random_bytes(rng& r, std::string_view alphabet, std::string& out) {
  const std::size_t length = r.one_in(50) ? r.below(max_header_length + 64) : r.below(80);
  out.resize(length);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < length; ++i, bits >>= 8) {
    if (i % 8 == 0) bits = r.next();
    const auto byte = static_cast<unsigned char>(bits & 0xff);
    out[i] = alphabet.empty() ? static_cast<char>(byte) : alphabet[byte % alphabet.size()];
  }
}

void mutate_once(rng& r, std::string& s, scratch& sc) {
  const std::size_t at = r.below(s.size() + 1);
  switch (r.below(7)) {
    case 0: if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1u << r.below(8))); break;
    case 1: s.insert(at, 1, static_cast<char>(r.next())); break;
    case 2: s.insert(at, 1, header_chars[r.below(header_chars.size())]); break;
    case 3: if (at < s.size()) s.erase(at, 1 + r.below(4)); break;
    case 4: s.resize(at); break;
    case 5: if (at < s.size()) s.insert(at, s, at, 1 + r.below(12)); break;
    default: {  // splice: our prefix, another header's suffix
      random_origin(r, sc.other_origin);
      (void)encode(sc.other_origin.view(), sc.other);
      s.resize(at);
      s.append(sc.other, r.below(sc.other.size() + 1));
    }
  }
}

// Near-valid into sc.text: right shape, parts drawn from a list of edge cases.
void near_valid(rng& r, scratch& sc) {
  static constexpr std::array<std::string_view, 7> versions = {"v1", "v1", "v1", "v2",
                                                                "V1", "v01", ""};
  static constexpr std::array<std::string_view, 16> numbers = {
      "0", "7", "2147483647", "2147483648", "4294967296", "9223372036854775807",
      "9223372036854775808", "18446744073709551616", "99999999999999999999999999", "-1",
      "+1", "00", "01", "-0", "", "1 "};
  static constexpr std::array<std::string_view, 4> keys = {"x=", "o=", "s=", "d="};
  static const std::string long_region(max_region_length + 1, 'r');
  static const std::string long_topic(max_topic_length + 1, 't');
  random_origin(r, sc.origin);
  const owned_origin& o = sc.origin;
  std::string& out = sc.text;
  const auto region = [&] {
    out += r.one_in(6) ? std::string_view(long_region).substr(r.below(2))
                       : r.one_in(2) ? o.region : o.destination_region;
  };
  const auto topic = [&] {
    out += r.one_in(6) ? std::string_view(long_topic).substr(r.below(2)) : o.source_topic;
  };
  const auto number = [&] { out += r.pick(numbers); };

  out = r.pick(versions);
  for (std::size_t field = 1; field <= 3; ++field) {
    if (r.one_in(20)) continue;  // drop a field
    out += r.one_in(30) ? ";;" : ";";
    out += r.one_in(8) ? r.pick(keys) : keys[field];
    region();
    if (field == 1) continue;
    out += '/';
    topic();
    out += '/';
    number();
    if (field == 2) {
      out += '/';
      number();
    }
  }
  if (r.one_in(10)) out += r.one_in(2) ? ";" : ";m=00ff";
}

// ---- Checking ----

struct stats {
  std::uint64_t inputs = 0, parsed_ok = 0, roundtrips = 0, violations = 0;
  std::array<std::uint64_t, all_parse_errors.size()> malformed{};
  std::array<std::uint64_t, all_reasons.size()> reasons{};
};

void violation(stats& st, const char* what, std::string_view input) {
  if (++st.violations <= 10) {
    std::fprintf(stderr, "fuzz_loopguard: VIOLATION %s; input (%zu bytes): %s\n", what,
                 input.size(), escaped(input).c_str());
  }
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// I2: a successful parse is canonical, in-bounds and valid.
void check_parsed(stats& st, const origin& o, std::string_view input, std::string& buffer) {
  for (auto part : {o.region, o.source.region, o.source.topic, o.destination.region,
                    o.destination.topic}) {
    if (!inside(part, input)) violation(st, "parsed view outside the input", input);
  }
  if (!is_valid(o)) violation(st, "parsed origin is not valid", input);
  if (!encode(o, buffer) || buffer != input) violation(st, "parsed header is not canonical", input);
}

// I3: the decision agrees with the parse and the flow/record position.
void check_decision(stats& st, rng& r, const std::expected<origin, parse_error>& parsed,
                    std::string_view input) {
  flow f{r.pick(known_regions), r.pick(known_regions)};
  std::string_view topic = r.pick(known_topics);
  std::int32_t partition = static_cast<std::int32_t>(r.below(4));
  if (parsed && r.one_in(2)) {  // aim at the record position the header names
    f.source_region = parsed->destination.region;
    topic = parsed->destination.topic;
    partition = parsed->destination.partition;
    if (r.one_in(2)) f.target_region = parsed->region;
  }
  const decision d = decide(f, topic, partition, input);
  ++st.reasons[static_cast<std::size_t>(d.why)];
  const bool ours =
      parsed && parsed->destination == destination_coords{f.source_region, topic, partition};
  if (d.what == action::drop) {
    if (!ours) violation(st, "dropped a record whose header is not ours", input);
    if (ours && (d.header != *parsed || d.malformed)) {
      violation(st, "drop without its header", input);
    }
    if (ours && (d.why == reason::echo) != (parsed->region == f.target_region)) {
      violation(st, "echo/third_party confused", input);
    }
  } else {
    if (ours) violation(st, "replicated a record tandem wrote here", input);
    if (d.header) violation(st, "replicate carries a header", input);
    if ((d.why == reason::local_malformed_header) != !parsed ||
        (!parsed && d.malformed != parsed.error())) {
      violation(st, "malformed reason disagrees with parse", input);
    }
    if (d.why != reason::local && d.why != reason::local_malformed_header) {
      violation(st, "replicate with a drop reason", input);
    }
  }
  const decision none = decide(f, topic, partition, std::nullopt);
  if (none.what != action::replicate || none.why != reason::local) {
    violation(st, "record without header not local", input);
  }
}

// Parses `text`, checks I2-I3 and, for a generated valid header, I1 against `expected`.
void check_input(stats& st, rng& r, std::string_view text, const origin* expected,
                 std::string& buffer) {
  ++st.inputs;
  // Exact-size copy: ASan catches any read past the end (std::string would hide it).
  const std::unique_ptr<char[]> copy(new char[text.size()]);
  std::memcpy(copy.get(), text.data(), text.size());
  const std::string_view input(copy.get(), text.size());

  const auto parsed = parse(input.empty() ? nullptr : copy.get(), input.size());
  if (parsed) {
    ++st.parsed_ok;
    check_parsed(st, *parsed, input, buffer);
  } else {
    ++st.malformed[static_cast<std::size_t>(parsed.error())];
  }
  if (expected) {
    if (!parsed || *parsed != *expected) {
      violation(st, "parse(encode(x)) != x", input);
    } else {
      ++st.roundtrips;
    }
  }
  check_decision(st, r, parsed, input);
}

// I1: encode then parse gives back the same origin.
void check_round_trip(stats& st, rng& r, scratch& sc) {
  random_origin(r, sc.origin);
  const origin expected = sc.origin.view();
  if (!encode(expected, sc.text)) {
    ++st.inputs;
    return violation(st, "encode refused a valid origin", sc.origin.region);
  }
  check_input(st, r, sc.text, &expected, sc.buffer);
}

void run_one(stats& st, rng& r, scratch& sc) {
  switch (st.inputs % 6) {
    case 0: random_bytes(r, {}, sc.text); break;
    case 1: random_bytes(r, header_chars, sc.text); break;
    case 2: return check_round_trip(st, r, sc);
    case 3:
    case 4:
      random_origin(r, sc.origin);
      (void)encode(sc.origin.view(), sc.text);
      for (std::size_t n = 1 + r.below(4); n > 0; --n) mutate_once(r, sc.text, sc);
      break;
    default: near_valid(r, sc);
  }
  check_input(st, r, sc.text, nullptr, sc.buffer);
}

void print_summary(const stats& st, std::uint64_t seed, double seconds) {
  std::printf("fuzz_loopguard: seed=%llu inputs=%llu parsed_ok=%llu roundtrips=%llu malformed={",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(st.inputs),
              static_cast<unsigned long long>(st.parsed_ok),
              static_cast<unsigned long long>(st.roundtrips));
  for (std::size_t i = 0; i < all_parse_errors.size(); ++i) {
    std::printf("%s%s=%llu", i ? " " : "", std::string(to_string(all_parse_errors[i])).c_str(),
                static_cast<unsigned long long>(st.malformed[i]));
  }
  std::printf("} decisions={");
  for (std::size_t i = 0; i < all_reasons.size(); ++i) {
    std::printf("%s%s=%llu", i ? " " : "", std::string(to_string(all_reasons[i])).c_str(),
                static_cast<unsigned long long>(st.reasons[i]));
  }
  std::printf("} violations=%llu time=%.2fs\n", static_cast<unsigned long long>(st.violations),
              seconds);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 1'000'000, seed = 0x7a4de3;
  if (!tandem::fuzz::parse_args(argc, argv, count, seed)) return 2;
  const auto start = std::chrono::steady_clock::now();
  stats st;
  rng r(seed);
  scratch sc;
  tandem::fuzz::run_catching([&] { while (st.inputs < count) run_one(st, r, sc); },
                             [&](const char* what) { violation(st, what, ""); });  // I4
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  print_summary(st, seed, elapsed.count());
  return st.violations == 0 ? 0 : 1;
}
