#pragma once
// Parsing of "host:port" addresses ("127.0.0.1:9876", "localhost:0", "[::1]:10911").

#include <cstdint>
#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver::transport::tcp {

struct HostPort {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
};

// kInvalidArgument naming `address` when it is not host:port with a port in 0..65535.
StatusOr<HostPort> SplitHostPort(std::string_view address);

}  // namespace quiver::transport::tcp
