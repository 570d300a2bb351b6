#pragma once
// Settings of the tcp transport, read from [transport.tcp] (README.md lists them).
//
// Thread safety: a value type; read-only after ParseTcpConfig returns.

#include <cstddef>
#include <cstdint>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/status.h"

namespace quiver::transport::tcp {

struct TcpConfig {
  // Threads, each running one io_context; connections are spread over them round robin.
  int io_threads = 2;
  // Largest frame accepted (checked on the length prefix); larger closes the connection.
  std::size_t max_frame_size = 16 * 1024 * 1024;
  // A connection with no bytes in either direction and no request awaiting a response
  // for this long is closed. Zero disables the check.
  Duration idle_timeout = std::chrono::seconds(120);
  // Accepted connections beyond this are closed at once (server).
  int max_connections = 10000;
  // Requests awaiting a response per connection (and queued while connecting, per
  // address); more fail fast with kResourceExhausted.
  int max_in_flight = 65536;
  // Time allowed for a client connect (resolve + TCP handshake).
  Duration connect_timeout = std::chrono::seconds(3);
  // Upper bound of the client's exponential back-off after a failed connect. The first
  // back-off is min(100ms, this); each failure doubles it. Zero retries at once.
  Duration reconnect_backoff_max = std::chrono::seconds(5);
};

// Reads every supported key of `config` (so the kernel can reject the others) and checks
// its range. kInvalidArgument naming the key and its position otherwise.
StatusOr<TcpConfig> ParseTcpConfig(const ConfigView& config);

}  // namespace quiver::transport::tcp
