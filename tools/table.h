// Output helpers of tandemctl: aligned text tables for people, compact JSON for scripts.
//
//   table t({"TOPIC", "PARTITION", "RUNS"}, {align::left, align::right, align::right});
//   t.add({"orders", "0", "3"});
//   t.print(out);          TOPIC   PARTITION  RUNS
//                          orders          0     3
//
//   print_json(out, json{{"runs", 3}});                                {"runs":3}
//
// Thread-safety: none (each command owns its tables).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::tools {

enum class align { left, right };

class table {
 public:
  // One alignment per header; missing ones are left.
  explicit table(std::vector<std::string> headers, std::vector<align> aligns = {});

  // A row with one cell per header (extra cells are dropped, missing ones are empty).
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }

  // Header and rows, columns separated by two spaces, no trailing blanks.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

// JSON documents of --json, built with nlohmann::ordered_json: keys stay in the order written.
using json = nlohmann::ordered_json;

// An optional number: the value or null.
json nullable(const std::optional<int64_t>& v);

// `doc` compact on one line (no spaces), then '\n'. Strings are escaped (quotes, backslashes,
// control characters); UTF-8 passes through, an invalid byte becomes U+FFFD.
void print_json(std::ostream& out, const json& doc);

// "1.5 KiB", "12.0 MiB"; plain bytes below 1 KiB ("512 B").
std::string human_bytes(uint64_t bytes);

// How long ago `then_ms` was, from `now_ms` (ms since the epoch): "42s", "3m5s", "2h10m",
// "1d4h"; "-" when `then_ms` is unknown (<= 0).
std::string age_text(int64_t now_ms, int64_t then_ms);

// "0..9": an inclusive range from a start and a one-past-the-end.
std::string range_text(int64_t begin, int64_t end);

}  // namespace tandem::tools
