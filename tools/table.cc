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

json nullable(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

void print_json(std::ostream& out, const json& doc) {
  out << doc.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
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
