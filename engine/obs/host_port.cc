#include "engine/obs/host_port.h"

#include <charconv>

namespace tandem::engine {

std::expected<host_port, std::string> parse_host_port(std::string_view text) {
  if (text.empty()) return std::unexpected("empty address");
  host_port hp;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::unexpected("unclosed '[' in IPv6 address");
    hp.host = text.substr(1, close - 1);
    hp.bracketed = true;
    if (hp.host.empty()) return std::unexpected("missing host");
    if (close + 1 >= text.size() || text[close + 1] != ':') return std::unexpected("missing port");
    hp.port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::unexpected("missing port");
    hp.host = text.substr(0, colon);
    hp.port = text.substr(colon + 1);
    if (hp.host.find(':') != std::string_view::npos)
      return std::unexpected("an IPv6 host must be in brackets, e.g. \"[::1]:9464\"");
    if (hp.host.empty())
      return std::unexpected("missing host (use 0.0.0.0 to listen on all interfaces)");
  }
  if (hp.port.empty()) return std::unexpected("missing port");
  const char* end = hp.port.data() + hp.port.size();
  const auto [ptr, ec] = std::from_chars(hp.port.data(), end, hp.number);
  if (ec != std::errc() || ptr != end || hp.port.front() == '+')
    return std::unexpected("port is not a number");
  return hp;
}

}  // namespace tandem::engine
