// Output helpers of tandemctl: aligned text tables for people, compact JSON for scripts.
//
//   table t({"TOPIC", "PARTITION", "RUNS"}, {align::left, align::right, align::right});
//   t.add({"orders", "0", "3"});
//   t.print(out);          TOPIC   PARTITION  RUNS
//                          orders          0     3
//
//   json_writer j(out);
//   j.begin_object().key("runs").value(int64_t{3}).end_object();     {"runs":3}
//
// Thread-safety: none (each command owns its writers).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

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

// Streaming JSON with commas handled: keys and values in order, objects and arrays nested.
// Strings are escaped (quotes, backslashes, control characters; UTF-8 passes through).
// Misuse (a value where a key is due) is the caller's bug; the output is then not JSON.
class json_writer {
 public:
  explicit json_writer(std::ostream& out) : out_(out) {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(const std::string& v) { return value(std::string_view(v)); }
  json_writer& value(int64_t v);
  json_writer& value(uint64_t v);
  json_writer& value(int32_t v) { return value(int64_t{v}); }
  json_writer& value(bool v);
  json_writer& null();
  // An optional number: the value or null.
  json_writer& value(const std::optional<int64_t>& v) { return v ? value(*v) : null(); }

 private:
  void separate();  // a comma before every element but the first of its container

  std::ostream& out_;
  std::vector<bool> first_;    // per open container: nothing written in it yet
  bool after_key_ = false;     // the next value belongs to the key just written
};

// "1.5 KiB", "12.0 MiB"; plain bytes below 1 KiB ("512 B").
std::string human_bytes(uint64_t bytes);

// How long ago `then_ms` was, from `now_ms` (ms since the epoch): "42s", "3m5s", "2h10m",
// "1d4h"; "-" when `then_ms` is unknown (<= 0).
std::string age_text(int64_t now_ms, int64_t then_ms);

// "0..9": an inclusive range from a start and a one-past-the-end.
std::string range_text(int64_t begin, int64_t end);

}  // namespace tandem::tools
