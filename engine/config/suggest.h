#pragma once
// "Did you mean ...?" for unknown config keys and enum values.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tandem::engine {

// Optimal-string-alignment (restricted Damerau-Levenshtein) distance, case-insensitive (ASCII):
// insertions, deletions, substitutions and transpositions of adjacent characters cost 1.
// edit_distance("namimg", "naming") == 1, edit_distance("tpoics", "topics") == 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if it is near enough to be a plausible typo: distance <= 2
// and at most a third of the word's length (minimum 1), so "lag" -> "log" but "x" -> nothing.
// Also matches a word that extends a candidate with a separator ("bootstrap.servers" and
// "bootstrap_servers" -> "bootstrap"). Ties go to the earlier candidate.
std::optional<std::string_view> nearest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace tandem::engine
