#include "nameserver_config.h"

#include <charconv>
#include <set>

namespace quiver::registry::nameserver {
namespace {

StatusOr<Duration> ReadPositiveDuration(const ConfigView& view, std::string_view key,
                                        Duration fallback) {
  QUIVER_ASSIGN_OR_RETURN(Duration d, view.GetDuration(key, fallback));
  if (d <= Duration::zero()) {
    return view.Invalid(key, "expected a positive duration such as \"30s\", found 0");
  }
  return d;
}

}  // namespace

Status ValidateHostPort(const std::string& address) {
  const std::string expected =
      "expected \"host:port\" (e.g. \"127.0.0.1:9876\"), found \"" + address + "\"";
  std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return InvalidArgumentError(expected);
  }
  std::string_view host(address.data(), colon);
  if (host.find_first_of(" \t;,") != std::string_view::npos) {
    return InvalidArgumentError(expected + " (one address per array element)");
  }
  if (host.find(':') != std::string_view::npos &&
      !(host.size() > 2 && host.front() == '[' && host.back() == ']')) {
    return InvalidArgumentError(expected + " (write IPv6 hosts as \"[::1]:9876\")");
  }
  std::string_view port_text(address.data() + colon + 1, address.size() - colon - 1);
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    return InvalidArgumentError("expected a port from 1 to 65535 in \"" + address + "\"");
  }
  return Status::Ok();
}

StatusOr<NameserverConfig> ReadNameserverConfig(const ConfigView& view,
                                                AddressesRequired addresses_required) {
  NameserverConfig config;
  if (addresses_required == AddressesRequired::kYes) {
    QUIVER_ASSIGN_OR_RETURN(config.addresses, view.RequireStringList("addresses"));
    if (config.addresses.empty()) {
      return view.Invalid("addresses", "expected at least one name server \"host:port\"");
    }
  } else {
    QUIVER_ASSIGN_OR_RETURN(config.addresses, view.GetStringList("addresses", {}));
  }
  std::set<std::string> seen;
  for (const std::string& address : config.addresses) {
    Status valid = ValidateHostPort(address);
    if (!valid.ok()) return view.Invalid("addresses", valid.message());
    if (!seen.insert(address).second) {
      return view.Invalid("addresses", "\"" + address + "\" is listed twice");
    }
  }
  QUIVER_ASSIGN_OR_RETURN(
      config.heartbeat_interval,
      ReadPositiveDuration(view, "heartbeat_interval", config.heartbeat_interval));
  QUIVER_ASSIGN_OR_RETURN(config.scan_interval,
                          ReadPositiveDuration(view, "scan_interval", config.scan_interval));
  QUIVER_ASSIGN_OR_RETURN(config.broker_expiry,
                          ReadPositiveDuration(view, "broker_expiry", config.broker_expiry));
  QUIVER_ASSIGN_OR_RETURN(config.route_refresh,
                          ReadPositiveDuration(view, "route_refresh", config.route_refresh));
  QUIVER_ASSIGN_OR_RETURN(config.request_timeout,
                          ReadPositiveDuration(view, "request_timeout", config.request_timeout));
  return config;
}

}  // namespace quiver::registry::nameserver
