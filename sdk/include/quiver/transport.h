#pragma once
// Transport plugins: how bytes move between nodes and clients (DESIGN.md §2).
//
// Every message is a protocol::RemotingCommand. A TransportServer dispatches requests to
// handlers registered by request code; a handler answers now or later, from any thread,
// through its Responder, and may send requests back over the same connection (the broker
// notifies consumers this way). A TransportClient keeps one connection per address shared
// by all callers and correlates responses by opaque.
//
// Threading: the transport owns its I/O threads. Handlers and completion callbacks run on
// them and must not block (post blocking work to the context's Executor). Every method
// here may be called from any thread unless stated otherwise.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "quiver/clock.h"
#include "quiver/export.h"
#include "quiver/plugin.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {

struct PluginContext;
using protocol::RemotingCommand;

// Completion of a request sent to a peer: the response, or kDeadlineExceeded (timeout),
// kUnavailable (not connected, or the connection closed while waiting),
// kResourceExhausted (too many requests in flight).
using ResponseCallback = std::function<void(StatusOr<RemotingCommand>)>;

// One accepted connection, as the server's handlers see it.
// Lifetime: shared; valid to use after close (operations then fail with kUnavailable).
class QUIVER_SDK_VISIBLE Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  virtual ~Connection();

  // Unique within the server for its lifetime.
  virtual std::uint64_t Id() const = 0;
  // "ip:port" of the peer.
  virtual std::string RemoteAddress() const = 0;
  virtual bool IsOpen() const = 0;
  // Sends a request to the peer and completes with its response (server -> client).
  virtual void InvokeAsync(RemotingCommand request, Duration timeout, ResponseCallback done) = 0;
  // Sends a request to the peer that expects no response (the one-way flag is set).
  virtual void InvokeOneway(RemotingCommand request) = 0;
  // Closes the connection; pending invocations fail with kUnavailable.
  virtual void Close() = 0;
};
using ConnectionPtr = std::shared_ptr<Connection>;

// Sends the single response to one request. Copyable handle; the first Send wins, later
// ones are ignored. For one-way requests Send does nothing. The transport sets the
// opaque, the response flag and the serialization of the request.
class QUIVER_SDK_VISIBLE Responder {
 public:
  using SendFn = std::function<void(RemotingCommand)>;
  Responder() = default;
  explicit Responder(SendFn send) : send_(std::make_shared<SendFn>(std::move(send))) {}
  void Send(RemotingCommand response) const;

 private:
  std::shared_ptr<SendFn> send_;
};

// Handles one request. `request` is owned by the handler. Runs on an I/O thread.
using RequestHandler = std::function<void(const ConnectionPtr& connection, RemotingCommand request,
                                          Responder responder)>;
using ConnectionListener = std::function<void(const ConnectionPtr& connection)>;

class QUIVER_SDK_VISIBLE TransportServer {
 public:
  TransportServer() = default;
  TransportServer(const TransportServer&) = delete;
  TransportServer& operator=(const TransportServer&) = delete;
  virtual ~TransportServer();

  // Registers the handler of `request_code`, replacing any earlier one.
  // REQUIRES: before Start(). Requests with no handler get REQUEST_CODE_NOT_SUPPORTED.
  virtual void RegisterHandler(std::int32_t request_code, RequestHandler handler) = 0;
  // Called once for every connection that closes (peer close, error, idle timeout, Stop).
  // REQUIRES: before Start(). Several listeners may be added.
  virtual void AddCloseListener(ConnectionListener listener) = 0;

  // Binds and starts accepting. `listen` is "host:port" (port 0 picks a free one).
  // kUnavailable with the address when it cannot bind.
  virtual Status Start(const std::string& listen) = 0;
  // "host:port" actually bound. REQUIRES: Start() returned OK.
  virtual std::string LocalAddress() const = 0;
  // Stops accepting, closes every connection, joins the I/O threads. Handlers that have not
  // responded yet may still call their Responder; the response is dropped. Idempotent.
  // REQUIRES: not called from an I/O thread of this server.
  virtual void Stop() = 0;
};

class QUIVER_SDK_VISIBLE TransportClient {
 public:
  TransportClient() = default;
  TransportClient(const TransportClient&) = delete;
  TransportClient& operator=(const TransportClient&) = delete;
  virtual ~TransportClient();

  // Sends `request` to `address` ("host:port"), connecting on first use, and completes
  // `done` exactly once on an I/O thread. Never blocks the caller.
  virtual void InvokeAsync(const std::string& address, RemotingCommand request, Duration timeout,
                           ResponseCallback done) = 0;
  // Blocking variant. REQUIRES: not called from a transport I/O thread.
  virtual StatusOr<RemotingCommand> InvokeSync(const std::string& address, RemotingCommand request,
                                               Duration timeout) = 0;
  // Sends without waiting for a response. OK means handed to the connection, not received.
  virtual Status InvokeOneway(const std::string& address, RemotingCommand request) = 0;

  // Handles requests that servers send to this client (NOTIFY_CONSUMER_IDS_CHANGED).
  // REQUIRES: before the first invocation.
  virtual void RegisterHandler(std::int32_t request_code, RequestHandler handler) = 0;
  // Closes the connection to `address` (if any); pending requests fail with kUnavailable.
  virtual void CloseConnection(const std::string& address) = 0;
  // Fails every pending request, closes all connections, joins the I/O threads. Idempotent.
  // REQUIRES: not called from an I/O thread of this client.
  virtual void Stop() = 0;
};

// Exported by a transport plugin through QUIVER_PLUGIN. A facet the plugin does not offer
// returns kUnimplemented. Ownership of the facet passes to the caller; the kernel keeps the
// plugin loaded while it lives.
class QUIVER_SDK_VISIBLE TransportFactory : public PluginFactory {
 public:
  static constexpr PluginKind kKind = PluginKind::kTransport;
  virtual StatusOr<std::unique_ptr<TransportServer>> CreateServer(PluginContext& context) = 0;
  virtual StatusOr<std::unique_ptr<TransportClient>> CreateClient(PluginContext& context) = 0;
};

}  // namespace v1
}  // namespace quiver
