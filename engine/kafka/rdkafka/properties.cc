#include "engine/kafka/rdkafka/properties.h"

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

namespace tandem::engine::rdk {
namespace {

struct table {
  std::map<std::string, property_scope, std::less<>> scopes;
  std::vector<std::pair<std::string, std::string>> aliases;
};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// One row "name | C/P | range | default | importance | description" of the table.
void parse_row(const std::string& line, table& t) {
  std::vector<std::string_view> cols;
  std::string_view rest(line);
  for (int i = 0; i < 5; ++i) {
    size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return;
    cols.push_back(rest.substr(0, bar));
    rest.remove_prefix(bar + 1);
  }
  std::string name = trim(cols[0]), scope = trim(cols[1]);
  if (name.empty() || name == "Property" || name.front() == '-') return;
  property_scope s = scope == "C"   ? property_scope::consumer
                     : scope == "P" ? property_scope::producer
                                    : property_scope::both;
  t.scopes.try_emplace(name, s);
  std::string desc = trim(rest);
  if (auto at = desc.find("Alias for `"); at != std::string::npos) {
    size_t from = at + 11, to = desc.find('`', from);
    if (to != std::string::npos) t.aliases.emplace_back(name, desc.substr(from, to - from));
  }
}

const table& the_table() {
  static const table t = [] {
    table out;
    char* buf = nullptr;
    size_t size = 0;
    FILE* f = open_memstream(&buf, &size);
    if (!f) return out;
    rd_kafka_conf_properties_show(f);
    std::fclose(f);
    std::istringstream in(std::string(buf, size));
    std::free(buf);
    for (std::string line; std::getline(in, line);) parse_row(line, out);
    return out;
  }();
  return t;
}

}  // namespace

std::optional<property_scope> scope_of(std::string_view name) {
  const auto& s = the_table().scopes;
  auto it = s.find(name);
  if (it == s.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> property_aliases() { return the_table().aliases; }

}  // namespace tandem::engine::rdk
