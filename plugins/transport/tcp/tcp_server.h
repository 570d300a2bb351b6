#pragma once
// The tcp transport's server: accepts connections on one listener and dispatches their
// requests to the handlers registered by request code (transport.h has the contract).
//
// Threading: config.io_threads I/O threads; the acceptor runs on the first, accepted
// connections are spread round robin. Handlers, responders and close listeners run on
// the connection's I/O thread. The Clock and Executor of the plugin context are not used:
// socket deadlines are real time, kept by Asio timers.
// Stop(): supported from any thread, including one of this server's I/O threads (a handler
// or close listener): that thread is not joined but finishes its handler and exits.

#include <memory>
#include <string>

#include "quiver/transport.h"
#include "tcp_config.h"

namespace spdlog {
class logger;
}

namespace quiver::transport::tcp {

class TcpServer final : public TransportServer {
 public:
  TcpServer(TcpConfig config, std::shared_ptr<spdlog::logger> logger);
  // Stops the server.
  ~TcpServer() override;

  // REQUIRES: before Start(); later calls are logged as errors and ignored.
  void RegisterHandler(std::int32_t request_code, RequestHandler handler) override;
  void AddCloseListener(ConnectionListener listener) override;
  // kFailedPrecondition when already started; kInvalidArgument for a malformed address;
  // kUnavailable naming the address when it cannot be resolved or bound.
  Status Start(const std::string& listen) override;
  std::string LocalAddress() const override;
  void Stop() override;

  // Open connections right now (for tests and metrics).
  std::size_t ConnectionCount() const;

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace quiver::transport::tcp
