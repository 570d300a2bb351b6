#include "address.h"

#include <charconv>

namespace quiver::transport::tcp {

StatusOr<HostPort> SplitHostPort(std::string_view address) {
  auto invalid = [&] {
    return InvalidArgumentError("invalid address \"" + std::string(address) +
                                "\": expected host:port with a port from 0 to 65535");
  };
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return invalid();
  }
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid();  // an IPv6 literal needs brackets
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return invalid();
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace quiver::transport::tcp
