#include "engine/config/suggest.h"

#include <algorithm>
#include <vector>

namespace tandem::engine {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool extends_with_separator(std::string_view word, std::string_view candidate) {
  if (candidate.size() < 4 || word.size() <= candidate.size() + 1) return false;
  for (std::size_t i = 0; i < candidate.size(); ++i) {
    if (lower(word[i]) != lower(candidate[i])) return false;
  }
  const char sep = word[candidate.size()];
  return sep == '.' || sep == '_' || sep == '-';
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows: d[i-2], d[i-1], d[i].
  const std::size_t n = b.size();
  std::vector<std::size_t> prev2(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

std::optional<std::string_view> nearest(std::string_view word, std::span<const std::string_view> candidates) {
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 3));
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best) return best;
  for (std::string_view c : candidates) {
    if (extends_with_separator(word, c)) return c;
  }
  return std::nullopt;
}

}  // namespace tandem::engine
