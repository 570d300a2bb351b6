#pragma once
// The tcp transport's client: one connection per address, shared by all callers, opened on
// first use and reopened after it closes (transport.h has the contract).
//
// Connecting: the first request to an address starts a connect bounded by connect_timeout;
// requests arriving meanwhile wait for it (at most max_in_flight of them). A failed connect
// fails the waiting requests with kUnavailable and marks the address down for a back-off
// that starts at min(100ms, reconnect_backoff_max) and doubles on each further failure up
// to reconnect_backoff_max; requests during that window fail fast with kUnavailable. A
// successful connect resets the back-off; a connection that closes later is reopened by the
// next request without waiting.
//
// Threading: config.io_threads I/O threads, addresses spread round robin. Callbacks and
// handlers run on the address's I/O thread; once Stop() has begun, on the caller's thread.
// InvokeSync on any I/O thread of this plugin returns kFailedPrecondition instead of
// blocking the thread that would deliver its response. Stop() may be called from one of
// this client's I/O threads (that thread is not joined; it exits after its handler).
// The context's Clock and Executor are not used: socket deadlines are real time.

#include <memory>
#include <string>

#include "quiver/transport.h"
#include "tcp_config.h"

namespace spdlog {
class logger;
}

namespace quiver::transport::tcp {

class TcpClient final : public TransportClient {
 public:
  TcpClient(TcpConfig config, std::shared_ptr<spdlog::logger> logger);
  // Stops the client.
  ~TcpClient() override;

  void InvokeAsync(const std::string& address, RemotingCommand request, Duration timeout,
                   ResponseCallback done) override;
  StatusOr<RemotingCommand> InvokeSync(const std::string& address, RemotingCommand request,
                                       Duration timeout) override;
  // kUnavailable when the client stopped or the address is down; OK once queued on the
  // connection (or on its pending connect).
  Status InvokeOneway(const std::string& address, RemotingCommand request) override;
  // REQUIRES: before the first invocation; later calls are logged as errors and ignored.
  void RegisterHandler(std::int32_t request_code, RequestHandler handler) override;
  void CloseConnection(const std::string& address) override;
  void Stop() override;

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace quiver::transport::tcp
