#include "tools/table.h"

#include <algorithm>
#include <cstdio>

namespace tandem::tools {

table::table(std::vector<std::string> headers, std::vector<align> aligns)
    : headers_(std::move(headers)), aligns_(std::move(aligns)) {
  aligns_.resize(headers_.size(), align::left);
}

void table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

void table::print(std::ostream& out) const {
  std::vector<size_t> width(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());

  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string pad(width[c] - row[c].size(), ' ');
      line += aligns_[c] == align::right ? pad + row[c] : row[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void json_writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;
  if (!first_.back()) out_ << ',';
  first_.back() = false;
}

json_writer& json_writer::begin_object() {
  separate();
  out_ << '{';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_object() {
  out_ << '}';
  first_.pop_back();
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  out_ << '[';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_array() {
  out_ << ']';
  first_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  value(k);
  out_ << ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view v) {
  separate();
  out_ << '"';
  for (char ch : v) {
    switch (ch) {
      case '"': out_ << "\\\""; break;
      case '\\': out_ << "\\\\"; break;
      case '\n': out_ << "\\n"; break;
      case '\r': out_ << "\\r"; break;
      case '\t': out_ << "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
          out_ << buf;
        } else {
          out_ << ch;
        }
    }
  }
  out_ << '"';
  return *this;
}

json_writer& json_writer::value(int64_t v) {
  separate();
  out_ << v;
  return *this;
}

json_writer& json_writer::value(uint64_t v) {
  separate();
  out_ << v;
  return *this;
}

json_writer& json_writer::value(bool v) {
  separate();
  out_ << (v ? "true" : "false");
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_ << "null";
  return *this;
}

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string range_text(int64_t begin, int64_t end) {
  return std::to_string(begin) + ".." + std::to_string(end - 1);
}

std::string age_text(int64_t now_ms, int64_t then_ms) {
  if (then_ms <= 0) return "-";
  const int64_t s = std::max<int64_t>(0, (now_ms - then_ms) / 1000);
  auto n = [](int64_t v) { return std::to_string(v); };
  if (s < 60) return n(s) + "s";
  if (s < 3600) return n(s / 60) + "m" + n(s % 60) + "s";
  if (s < 86400) return n(s / 3600) + "h" + n(s % 3600 / 60) + "m";
  return n(s / 86400) + "d" + n(s % 86400 / 3600) + "h";
}

}  // namespace tandem::tools
