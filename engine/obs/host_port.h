// "host:port" and "[ipv6]:port" as tandem reads them (metrics.listen): one parser for the config's
// validation (engine/config/config_validate.cc) and the HTTP endpoint (engine/obs/http_endpoint.cc).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tandem::engine {

struct host_port {
  std::string_view host;  // without brackets; a view into the parsed text
  std::string_view port;  // the port's digits
  unsigned number = 0;    // the port; range checks are the caller's (0 may mean "any")
  bool bracketed = false; // "[v6]:port"
};

// Splits `text`. Errors: "empty address", "unclosed '[' in IPv6 address", "missing host" (with a
// hint for "host:port"), "missing port", "an IPv6 host must be in brackets, e.g. ...",
// "port is not a number". The host's characters are not checked.
std::expected<host_port, std::string> parse_host_port(std::string_view text);

}  // namespace tandem::engine
