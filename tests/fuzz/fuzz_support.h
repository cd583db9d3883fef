// Shared by the randomized fuzz tests of tests/fuzz (standalone, no gtest, deterministic): the
// random source, printable excerpts of inputs, and argument parsing.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <string>
#include <string_view>

namespace tandem::fuzz {

// splitmix64: tiny, good enough to explore, identical on every platform.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : next() % n; }
  bool one_in(std::size_t n) { return below(n) == 0; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) { return items[below(N)]; }

 private:
  std::uint64_t state_;
};

// A non-negative number of type Int: 0, its maximum, a small one or any, each a quarter of the
// time.
template <typename Int>
Int random_number(rng& r) {
  switch (r.below(4)) {
    case 0: return 0;
    case 1: return std::numeric_limits<Int>::max();
    case 2: return static_cast<Int>(r.below(1000));
    default: return static_cast<Int>(r.next() >> (64 - std::numeric_limits<Int>::digits));
  }
}

// The first 160 bytes of `s`, non-printable bytes and '\' as \xNN.
inline std::string escaped(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 160)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return s.size() > 160 ? out + "..." : out;
}

// A non-negative integer argument (decimal, 0x hex or 0 octal).
inline bool parse_arg(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(text, &end, 0);
  return errno == 0 && end != text && *end == '\0' && text[0] != '-';
}

// The arguments "[inputs] [seed]" into `count` and `seed`, which hold the defaults. Prints the
// usage and returns false when they are bad.
inline bool parse_args(int argc, char** argv, std::uint64_t& count, std::uint64_t& seed) {
  std::uint64_t c = count, s = seed;
  const bool ok =
      argc <= 3 && (argc < 2 || parse_arg(argv[1], c)) && (argc < 3 || parse_arg(argv[2], s));
  if (!ok) {
    std::fprintf(stderr, "usage: %s [inputs=%llu] [seed]\n", argv[0],
                 static_cast<unsigned long long>(count));
    return false;
  }
  count = c, seed = s;
  return true;
}

// Runs `loop`; an exception escaping it goes to `thrown` as its what() (or "unknown exception").
template <class Loop, class Thrown>
void run_catching(Loop&& loop, Thrown&& thrown) {
  try {
    loop();
  } catch (const std::exception& e) {
    thrown(e.what());
  } catch (...) {
    thrown("unknown exception");
  }
}

}  // namespace tandem::fuzz
