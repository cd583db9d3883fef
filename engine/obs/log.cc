#include "engine/obs/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace tandem::engine::log {
namespace {

std::atomic<int> g_level{static_cast<int>(log_level::info)};

const char* level_name(log_level level) {
  switch (level) {
    case log_level::error: return "ERROR";
    case log_level::warn: return "WARN ";
    case log_level::info: return "INFO ";
    case log_level::debug: return "DEBUG";
    case log_level::trace: return "TRACE";
  }
  return "?    ";
}

}  // namespace

void set_level(log_level level) { g_level = static_cast<int>(level); }

bool enabled(log_level level) { return static_cast<int>(level) <= g_level.load(); }

void write(log_level level, std::string_view scope, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  // One fprintf per line: stdio locks the stream, so lines from threads never interleave.
  std::fprintf(stderr, "%s.%03dZ %s [%.*s] %.*s\n", stamp, ms, level_name(level),
               static_cast<int>(scope.size()), scope.data(), static_cast<int>(message.size()),
               message.data());
}

}  // namespace tandem::engine::log
