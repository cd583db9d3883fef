// One-line structured logs on stderr:
//   2026-11-26T21:54:00.123Z INFO  [west->east] topic created topic=orders partitions=6
// The scope (a flow "west->east", or "tandem") prefixes every line so a region's logs can be
// grepped per flow. Callers never pass secrets (config values are printed only via redacted()).
// Thread-safe: one line is written with one call.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "engine/obs/log_level.h"

namespace tandem::engine::log {

void set_level(log_level level);
bool enabled(log_level level);
void write(log_level level, std::string_view scope, std::string_view message);

// log::line(log_level::info, "west->east") << "topic created topic=" << t;  (written on
// destruction, only when the level is enabled)
class line {
 public:
  line(log_level level, std::string_view scope) : level_(level), scope_(scope), on_(enabled(level)) {}
  ~line() {
    if (on_) write(level_, scope_, out_.str());
  }
  template <class T>
  line& operator<<(const T& v) {
    if (on_) out_ << v;
    return *this;
  }

 private:
  log_level level_;
  std::string scope_;
  bool on_;
  std::ostringstream out_;
};

inline line error(std::string_view scope) { return line(log_level::error, scope); }
inline line warn(std::string_view scope) { return line(log_level::warn, scope); }
inline line info(std::string_view scope) { return line(log_level::info, scope); }
inline line debug(std::string_view scope) { return line(log_level::debug, scope); }

}  // namespace tandem::engine::log
