#include "connection.h"

#include <exception>

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "quiver/protocol/codes.h"
#include "quiver/units.h"

namespace quiver::transport::tcp {
namespace {

using Clock = std::chrono::steady_clock;

// A read asks for at least this much room, so that one read can carry many small frames.
constexpr std::size_t kMinReadSize = 16 * 1024;
// Frame parts up to this size are copied into one staging block per write; larger ones
// (big bodies, mapped records) are written from where they are.
constexpr std::size_t kCoalescedPartSize = 4096;
// A staging block grown by a burst is released afterwards rather than kept per connection.
constexpr std::size_t kMaxRetainedStaging = 1024 * 1024;

// User callbacks must not unwind through Asio's run loop (that would end the I/O thread).
template <typename Fn>
void RunGuarded(spdlog::logger& logger, const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    logger.error("{} threw: {}", what, e.what());
  } catch (...) {
    logger.error("{} threw a non-standard exception", what);
  }
}

}  // namespace

std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

struct TcpConnection::InvokeTask {
  std::shared_ptr<TcpConnection> self;
  std::int32_t opaque = 0;
  std::int32_t code = 0;
  bool oneway = false;
  BufferList frame;
  TimePoint deadline;
  Duration timeout;
  ResponseCallback done;
  void operator()() { self->StartInvoke(*this); }
};

TcpConnection::TcpConnection(std::shared_ptr<IoPool> pool, std::size_t context_index,
                             boost::asio::ip::tcp::socket socket, std::uint64_t id, Options options,
                             std::shared_ptr<const HandlerMap> handlers,
                             std::shared_ptr<std::atomic<std::int32_t>> opaque_counter,
                             CloseHook close_hook, std::shared_ptr<spdlog::logger> logger)
    : pool_(std::move(pool)),
      context_index_(context_index),
      socket_(std::move(socket)),
      id_(id),
      options_(options),
      handlers_(std::move(handlers)),
      opaque_counter_(std::move(opaque_counter)),
      close_hook_(std::move(close_hook)),
      logger_(std::move(logger)),
      decoder_(options.max_frame_size),
      timeout_timer_(pool_->context(context_index)),
      idle_timer_(pool_->context(context_index)) {
  boost::system::error_code error;
  auto remote = socket_.remote_endpoint(error);
  remote_address_ = error ? std::string("(unknown peer)") : FormatEndpoint(remote);
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), error);
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::Start() {
  pool_->Dispatch(context_index_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->last_activity_ = Clock::now();
    if (self->options_.idle_timeout > Duration::zero()) {
      self->ArmIdleTimer(self->last_activity_ + self->options_.idle_timeout);
    }
    self->ReadSome();
  });
  // Rejected only while the owner stops; it then closes this connection itself.
}

void TcpConnection::InvokeAsync(RemotingCommand request, Duration timeout, ResponseCallback done) {
  InvokeUntil(std::move(request), Clock::now() + timeout, timeout, std::move(done));
}

void TcpConnection::InvokeUntil(RemotingCommand request, TimePoint deadline, Duration timeout,
                                ResponseCallback done) {
  request.opaque = opaque_counter_->fetch_add(1, std::memory_order_relaxed);
  request.flag &= ~(protocol::kFlagResponse | protocol::kFlagOneway);
  InvokeTask task{
      shared_from_this(), request.opaque, request.code,   false, protocol::EncodeFrame(request),
      deadline,           timeout,        std::move(done)};
  if (!pool_->Dispatch(context_index_, std::move(task))) {
    // The pool has stopped: nothing will run on the I/O thread any more.
    if (task.done) {
      RunGuarded(*logger_, "response callback", [&] {
        task.done(UnavailableError("connection to " + remote_address_ + " is closed"));
      });
    }
  }
}

void TcpConnection::InvokeOneway(RemotingCommand request) {
  request.opaque = opaque_counter_->fetch_add(1, std::memory_order_relaxed);
  request.flag = (request.flag | protocol::kFlagOneway) & ~protocol::kFlagResponse;
  InvokeTask task{
      shared_from_this(), request.opaque,   request.code, true, protocol::EncodeFrame(request),
      TimePoint{},        Duration::zero(), nullptr};
  if (!pool_->Dispatch(context_index_, std::move(task))) {
    logger_->debug("one-way request (code {}) to {} dropped: the transport stopped", request.code,
                   remote_address_);
  }
}

void TcpConnection::StartInvoke(InvokeTask& task) {
  if (closed_) {
    if (task.done) {
      RunGuarded(*logger_, "response callback", [&] {
        task.done(UnavailableError("connection to " + remote_address_ + " is closed"));
      });
    }
    return;
  }
  if (!task.oneway) {
    if (pending_.size() >= options_.max_in_flight) {
      RunGuarded(*logger_, "response callback", [&] {
        task.done(ResourceExhaustedError("too many requests in flight to " + remote_address_ +
                                         ": " + std::to_string(pending_.size()) +
                                         " (max_in_flight)"));
      });
      return;
    }
    auto [it, inserted] = pending_.try_emplace(
        task.opaque, Pending{task.deadline, task.timeout, task.code, std::move(task.done)});
    if (!inserted) {
      // Only after 2^32 requests with one still unanswered; max_in_flight makes it moot.
      RunGuarded(*logger_, "response callback", [&] {
        task.done(InternalError("opaque " + std::to_string(task.opaque) + " is still in use"));
      });
      return;
    }
    deadlines_.emplace(task.deadline, task.opaque);
    ArmTimeoutTimer();
  }
  Enqueue(std::move(task.frame));
}

void TcpConnection::SendFrame(BufferList frame) {
  if (closed_) return;
  if (pool_->context(context_index_).get_executor().running_in_this_thread()) {
    Enqueue(std::move(frame));
    return;
  }
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(outbox_mutex_);
    outbox_.push_back(std::move(frame));
    post = !std::exchange(outbox_drain_posted_, true);
  }
  // Rejected only once the pool stops; the frames are then dropped with the connection.
  if (post) pool_->Post(context_index_, [self = shared_from_this()] { self->DrainOutbox(); });
}

void TcpConnection::DrainOutbox() {
  {
    std::lock_guard<std::mutex> lock(outbox_mutex_);
    outbox_drain_posted_ = false;
    if (write_queue_.empty()) {
      write_queue_.swap(outbox_);
    } else {
      for (BufferList& frame : outbox_) write_queue_.push_back(std::move(frame));
      outbox_.clear();
    }
  }
  if (closed_) {
    write_queue_.clear();
    return;
  }
  if (!write_in_progress_ && !write_queue_.empty()) WriteQueued();
}

void TcpConnection::Close() {
  pool_->Dispatch(context_index_, [self = shared_from_this()] { self->DoClose("closed locally"); });
}

void TcpConnection::CloseNow(const std::string& reason) { DoClose(reason); }

void TcpConnection::ReadSome() {
  // Received straight into the decoder's block: frames are slices of it, not copies.
  std::span<std::uint8_t> area = decoder_.Prepare(kMinReadSize);
  socket_.async_read_some(
      boost::asio::buffer(area.data(), area.size()),
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
        self->OnRead(error, bytes);
      });
}

void TcpConnection::OnRead(const boost::system::error_code& error, std::size_t bytes) {
  if (closed_) return;
  if (error) {
    DoClose(error == boost::asio::error::eof ? std::string("closed by the peer")
                                             : "read failed: " + error.message());
    return;
  }
  last_activity_ = Clock::now();
  decoder_.Commit(bytes);
  while (!closed_) {
    StatusOr<std::optional<Buffer>> next = decoder_.Next();
    if (!next.ok()) {
      logger_->warn("closing connection to {}: {}", remote_address_, next.status().ToString());
      DoClose(next.status().ToString());
      return;
    }
    if (!next->has_value()) break;
    HandleFrame(**next);
  }
  if (!closed_) ReadSome();
}

void TcpConnection::HandleFrame(const Buffer& frame) {
  StatusOr<RemotingCommand> command = protocol::DecodeFrameBody(frame);
  if (!command.ok()) {
    const Status& status = command.status();
    if (status.code() != StatusCode::kInvalidArgument) {
      logger_->warn("closing connection to {}: undecodable frame: {}", remote_address_,
                    status.ToString());
      DoClose("undecodable frame: " + status.ToString());
      return;
    }
    // The frame was delimited, so the stream is still in step: answer and carry on.
    logger_->warn("malformed frame from {}: {}", remote_address_, status.ToString());
    RemotingCommand response;
    response.code = protocol::response_code::kSystemError;
    response.flag = protocol::kFlagResponse;
    response.remark = status.message();
    if (!frame.empty() &&
        frame.data()[0] == static_cast<std::uint8_t>(protocol::SerializeType::kRocketMq)) {
      response.serialize_type = protocol::SerializeType::kRocketMq;
    }
    Enqueue(protocol::EncodeFrame(response));
    return;
  }
  if (command->is_response()) {
    HandleResponse(std::move(command).value());
  } else {
    HandleRequest(std::move(command).value());
  }
}

void TcpConnection::HandleRequest(RemotingCommand request) {
  auto it = handlers_->find(request.code);
  if (it == handlers_->end() || !it->second) {
    logger_->debug("request code {} from {} has no handler", request.code, remote_address_);
    if (!request.is_oneway()) {
      // Built by hand: RemotingCommand's member functions are not exported by the SDK.
      RemotingCommand response;
      response.code = protocol::response_code::kRequestCodeNotSupported;
      response.opaque = request.opaque;
      response.flag = protocol::kFlagResponse;
      response.serialize_type = request.serialize_type;
      response.remark = " request type " + std::to_string(request.code) + " not supported";
      Enqueue(protocol::EncodeFrame(response));
    }
    return;
  }
  Responder responder = MakeResponder(request);
  ConnectionPtr connection = shared_from_this();
  const std::int32_t code = request.code;
  try {
    it->second(connection, std::move(request), responder);
  } catch (const std::exception& e) {
    logger_->error("handler of request code {} threw: {}", code, e.what());
    RemotingCommand response;
    response.code = protocol::response_code::kSystemError;
    response.remark = std::string("handler failed: ") + e.what();
    responder.Send(std::move(response));
  } catch (...) {
    logger_->error("handler of request code {} threw a non-standard exception", code);
    RemotingCommand response;
    response.code = protocol::response_code::kSystemError;
    response.remark = "handler failed";
    responder.Send(std::move(response));
  }
}

Responder TcpConnection::MakeResponder(const RemotingCommand& request) {
  return Responder([weak = weak_from_this(), opaque = request.opaque,
                    serialize_type = request.serialize_type,
                    oneway = request.is_oneway()](RemotingCommand response) {
    if (oneway) return;
    std::shared_ptr<TcpConnection> self = weak.lock();
    if (!self || self->closed_) return;
    response.opaque = opaque;
    response.flag = (response.flag | protocol::kFlagResponse) & ~protocol::kFlagOneway;
    response.serialize_type = serialize_type;
    // Encoded on the responding thread; only the write is handed to the I/O thread.
    self->SendFrame(protocol::EncodeFrame(response));
  });
}

void TcpConnection::HandleResponse(RemotingCommand response) {
  auto it = pending_.find(response.opaque);
  if (it == pending_.end()) {
    logger_->debug("response from {} with opaque {} matches no pending request (timed out?)",
                   remote_address_, response.opaque);
    return;
  }
  ResponseCallback done = std::move(it->second.done);
  deadlines_.erase({it->second.deadline, response.opaque});
  pending_.erase(it);
  RunGuarded(*logger_, "response callback", [&] { done(std::move(response)); });
}

void TcpConnection::Enqueue(BufferList frame) {
  if (closed_) return;
  write_queue_.push_back(std::move(frame));
  if (!write_in_progress_) WriteQueued();
}

void TcpConnection::WriteQueued() {
  writing_.swap(write_queue_);
  iov_.clear();
  write_staging_.clear();
  std::size_t small_bytes = 0;
  for (const BufferList& frame : writing_) {
    for (const Buffer& part : frame.parts()) {
      if (part.size() <= kCoalescedPartSize) small_bytes += part.size();
    }
  }
  // Reserved up front: iov_ points into write_staging_, which must not move.
  write_staging_.reserve(small_bytes);
  bool last_is_staged = false;
  for (const BufferList& frame : writing_) {
    for (const Buffer& part : frame.parts()) {
      if (part.size() > kCoalescedPartSize) {
        iov_.emplace_back(part.data(), part.size());
        last_is_staged = false;
        continue;
      }
      const std::size_t at = write_staging_.size();
      write_staging_.insert(write_staging_.end(), part.data(), part.data() + part.size());
      if (last_is_staged) {
        iov_.back() = boost::asio::const_buffer(iov_.back().data(), iov_.back().size() + part.size());
      } else {
        iov_.emplace_back(write_staging_.data() + at, part.size());
        last_is_staged = true;
      }
    }
  }
  write_in_progress_ = true;
  boost::asio::async_write(socket_, iov_,
                           [self = shared_from_this()](const boost::system::error_code& error,
                                                       std::size_t) { self->OnWritten(error); });
}

void TcpConnection::OnWritten(const boost::system::error_code& error) {
  write_in_progress_ = false;
  writing_.clear();
  if (write_staging_.capacity() > kMaxRetainedStaging) std::vector<std::uint8_t>().swap(write_staging_);
  if (closed_) return;
  if (error) {
    DoClose("write failed: " + error.message());
    return;
  }
  last_activity_ = Clock::now();
  if (!write_queue_.empty()) WriteQueued();
}

void TcpConnection::ArmTimeoutTimer() {
  if (deadlines_.empty() || closed_) return;
  const TimePoint earliest = deadlines_.begin()->first;
  if (timeout_armed_ && timeout_armed_at_ <= earliest) return;
  timeout_armed_ = true;
  timeout_armed_at_ = earliest;
  const std::uint64_t generation = ++timeout_generation_;
  timeout_timer_.expires_at(earliest);
  timeout_timer_.async_wait(
      [self = shared_from_this(), generation](const boost::system::error_code&) {
        self->OnTimeoutTimer(generation);
      });
}

void TcpConnection::OnTimeoutTimer(std::uint64_t generation) {
  // A re-armed timer completes its earlier wait as cancelled: only the latest counts.
  if (generation != timeout_generation_ || closed_) return;
  timeout_armed_ = false;
  const TimePoint now = Clock::now();
  std::vector<Pending> expired;
  std::vector<std::int32_t> expired_opaques;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::int32_t opaque = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = pending_.find(opaque);
    if (it == pending_.end()) continue;
    expired.push_back(std::move(it->second));
    expired_opaques.push_back(opaque);
    pending_.erase(it);
  }
  ArmTimeoutTimer();
  for (std::size_t i = 0; i < expired.size(); ++i) {
    Pending& p = expired[i];
    RunGuarded(*logger_, "response callback", [&] {
      p.done(DeadlineExceededError("no response from " + remote_address_ + " within " +
                                   FormatDuration(p.timeout) + " (request code " +
                                   std::to_string(p.code) + ", opaque " +
                                   std::to_string(expired_opaques[i]) + ")"));
    });
  }
}

void TcpConnection::ArmIdleTimer(TimePoint at) {
  idle_timer_.expires_at(at);
  idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    self->OnIdleTimer();
  });
}

void TcpConnection::OnIdleTimer() {
  if (closed_) return;
  const TimePoint now = Clock::now();
  const Duration idle = options_.idle_timeout;
  if (!pending_.empty()) {
    // Waiting for a response is not idleness; the request's own timeout bounds it.
    ArmIdleTimer(now + idle);
    return;
  }
  if (now - last_activity_ >= idle) {
    logger_->info("closing connection to {}: idle for {}", remote_address_, FormatDuration(idle));
    DoClose("idle for " + FormatDuration(idle));
    return;
  }
  ArmIdleTimer(last_activity_ + idle);
}

void TcpConnection::DoClose(const std::string& reason) {
  if (closed_.exchange(true, std::memory_order_acq_rel)) return;
  logger_->debug("connection {} to {} closed: {}", id_, remote_address_, reason);
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timeout_timer_.cancel();
  idle_timer_.cancel();
  write_queue_.clear();  // writing_ stays until its (now cancelled) write completes
  {
    std::lock_guard<std::mutex> lock(outbox_mutex_);
    outbox_.clear();
  }
  std::unordered_map<std::int32_t, Pending> pending;
  pending.swap(pending_);
  deadlines_.clear();

  std::shared_ptr<TcpConnection> self = shared_from_this();
  // The owner learns first, so that a callback retrying from below reconnects.
  CloseHook hook = std::move(close_hook_);
  close_hook_ = nullptr;
  if (hook) RunGuarded(*logger_, "close hook", [&] { hook(self); });

  const Status status = UnavailableError("connection to " + remote_address_ + " closed: " + reason);
  for (auto& [opaque, p] : pending) {
    RunGuarded(*logger_, "response callback", [&] { p.done(status); });
  }
}

}  // namespace quiver::transport::tcp
