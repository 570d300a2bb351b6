#pragma once
// One TCP connection speaking RocketMQ's remoting protocol, on either side: the server's
// accepted connections and the client's outgoing ones are the same class. It reads
// frames, dispatches requests to handlers, matches responses to pending invocations by
// opaque, and writes frames through a queue that sends every queued frame in one
// scatter/gather write.
//
// Threading: the connection belongs to one io_context of its IoPool and all of its state
// is touched only there; the public methods may be called from any thread and hand their
// work over (inline when already on that thread). Request handlers, response callbacks and
// the close hook run on that thread.
// Lifetime: shared. Usable after close: operations then fail with kUnavailable.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io_pool.h"
#include "quiver/protocol/codec.h"
#include "quiver/transport.h"

namespace spdlog {
class logger;
}

namespace quiver::transport::tcp {

using HandlerMap = std::unordered_map<std::int32_t, RequestHandler>;

class TcpConnection final : public Connection, public std::enable_shared_from_this<TcpConnection> {
 public:
  // Called once, on the connection's thread, when the connection closes for any reason.
  using CloseHook = std::function<void(const std::shared_ptr<TcpConnection>&)>;

  struct Options {
    std::size_t max_frame_size = protocol::kDefaultMaxFrameSize;
    Duration idle_timeout = Duration::zero();  // zero: never
    std::size_t max_in_flight = 65536;
  };

  // `socket` must be open, connected and bound to pool->context(context_index).
  // `opaque_counter` is shared by every connection of one server or client.
  TcpConnection(std::shared_ptr<IoPool> pool, std::size_t context_index,
                boost::asio::ip::tcp::socket socket, std::uint64_t id, Options options,
                std::shared_ptr<const HandlerMap> handlers,
                std::shared_ptr<std::atomic<std::int32_t>> opaque_counter, CloseHook close_hook,
                std::shared_ptr<spdlog::logger> logger);
  ~TcpConnection() override;

  // Begins reading. REQUIRES: called once.
  void Start();

  // Connection:
  std::uint64_t Id() const override { return id_; }
  std::string RemoteAddress() const override { return remote_address_; }
  bool IsOpen() const override { return !closed_.load(std::memory_order_acquire); }
  // `done` runs on the connection's thread, or inline on the caller's when the pool has
  // stopped.
  void InvokeAsync(RemotingCommand request, Duration timeout, ResponseCallback done) override;
  void InvokeOneway(RemotingCommand request) override;
  void Close() override;

  // InvokeAsync with an absolute deadline; `timeout` is only quoted in the timeout error.
  void InvokeUntil(RemotingCommand request, TimePoint deadline, Duration timeout,
                   ResponseCallback done);

  // Closes on the calling thread. REQUIRES: the pool's threads are joined (Stop), or the
  // caller runs on this connection's thread.
  void CloseNow(const std::string& reason);

  // Sends an encoded response frame (from any thread); dropped once closed.
  void SendFrame(BufferList frame);

  std::size_t context_index() const { return context_index_; }

 private:
  struct Pending {
    TimePoint deadline;
    Duration timeout;
    std::int32_t code;
    ResponseCallback done;
  };
  struct InvokeTask;

  void StartInvoke(InvokeTask& task);
  void ReadSome();
  void OnRead(const boost::system::error_code& error, std::size_t bytes);
  void HandleFrame(const Buffer& frame);
  void HandleRequest(RemotingCommand request);
  void HandleResponse(RemotingCommand response);
  Responder MakeResponder(const RemotingCommand& request);
  void Enqueue(BufferList frame);
  void DrainOutbox();
  void WriteQueued();
  void OnWritten(const boost::system::error_code& error);
  void ArmTimeoutTimer();
  void OnTimeoutTimer(std::uint64_t generation);
  void ArmIdleTimer(TimePoint at);
  void OnIdleTimer();
  void DoClose(const std::string& reason);

  const std::shared_ptr<IoPool> pool_;
  const std::size_t context_index_;
  boost::asio::ip::tcp::socket socket_;
  const std::uint64_t id_;
  const Options options_;
  const std::shared_ptr<const HandlerMap> handlers_;
  const std::shared_ptr<std::atomic<std::int32_t>> opaque_counter_;
  CloseHook close_hook_;
  const std::shared_ptr<spdlog::logger> logger_;
  std::string remote_address_;
  std::atomic<bool> closed_{false};

  // Frames sent from other threads (responses completed on a store's thread). One posted
  // DrainOutbox moves every frame queued meanwhile: one wake-up of the I/O thread per
  // burst, not per response.
  std::mutex outbox_mutex_;
  std::vector<BufferList> outbox_;    // guarded by outbox_mutex_
  bool outbox_drain_posted_ = false;  // guarded by outbox_mutex_

  // Everything below: the connection's thread only.
  protocol::FrameDecoder decoder_;  // also the receive buffer
  std::vector<BufferList> write_queue_;
  std::vector<BufferList> writing_;
  std::vector<boost::asio::const_buffer> iov_;
  // Small parts (headers, small bodies) of the frames being written, copied together so
  // that one write carries hundreds of frames (Asio passes at most 64 buffers per writev).
  std::vector<std::uint8_t> write_staging_;
  bool write_in_progress_ = false;

  std::unordered_map<std::int32_t, Pending> pending_;
  std::set<std::pair<TimePoint, std::int32_t>> deadlines_;
  boost::asio::steady_timer timeout_timer_;
  bool timeout_armed_ = false;
  TimePoint timeout_armed_at_{};
  std::uint64_t timeout_generation_ = 0;

  boost::asio::steady_timer idle_timer_;
  TimePoint last_activity_{};
};

// "host:port" of an endpoint ("[::1]:port" for IPv6).
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace quiver::transport::tcp
