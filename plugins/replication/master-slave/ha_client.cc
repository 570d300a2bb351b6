#include "ha_client.h"

#include <spdlog/logger.h>

#include <future>
#include <vector>

#include "ha_protocol.h"

namespace quiver::replication::master_slave {

using std::chrono::milliseconds;

HaClient::HaClient(MessageStore& store, HaClientOptions options,
                   std::shared_ptr<spdlog::logger> logger)
    : store_(store), options_(std::move(options)), logger_(std::move(logger)) {}

HaClient::~HaClient() { Stop(); }

void HaClient::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { Run(); });
}

void HaClient::Stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard lock(mu_);
    if (socket_ != nullptr) socket_->Shutdown();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HaClient::Run() {
  while (running_.load()) {
    Status ended = Session();
    connected_.store(false);
    if (!running_.load()) break;
    if (logger_) {
      logger_->warn("HA: connection to master {} ended: {}; reconnecting in {} ms",
                    options_.master_ha, ended.ToString(),
                    std::chrono::duration_cast<milliseconds>(options_.reconnect_delay).count());
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.reconnect_delay, [this] { return !running_.load(); });
  }
}

Status HaClient::Report(const Socket& socket) {
  auto report = EncodeReport(store_.Stats().max_physical_offset.value());
  return socket.Write({report}, std::chrono::duration_cast<milliseconds>(options_.idle_timeout));
}

Status HaClient::Session() {
  QUIVER_ASSIGN_OR_RETURN(Socket socket, Socket::Connect(options_.master_ha, milliseconds(3000)));
  {
    std::lock_guard lock(mu_);
    if (!running_.load()) return CancelledError("stopping");
    socket_ = &socket;
  }
  struct Unset {
    HaClient* self;
    ~Unset() {
      std::lock_guard lock(self->mu_);
      self->socket_ = nullptr;
    }
  } unset{this};
  QUIVER_RETURN_IF_ERROR(Report(socket));
  connected_.store(true);
  if (logger_) {
    logger_->info("HA: connected to master {} from offset {}", options_.master_ha,
                  store_.Stats().max_physical_offset.value());
  }
  TransferDecoder decoder(options_.max_frame_body);
  std::vector<std::uint8_t> buffer(256 * 1024);
  std::vector<TransferFrame> frames;
  auto last_read = std::chrono::steady_clock::now();
  auto last_report = last_read;
  while (running_.load()) {
    StatusOr<std::size_t> n = socket.Read(buffer, milliseconds(500));
    const auto now = std::chrono::steady_clock::now();
    if (!n.ok() && n.status().code() != StatusCode::kDeadlineExceeded) return n.status();
    bool applied = false;
    if (n.ok()) {
      last_read = now;
      frames.clear();
      QUIVER_RETURN_IF_ERROR(decoder.Feed({buffer.data(), *n}, frames));
      for (TransferFrame& frame : frames) {
        const std::int64_t mine = store_.Stats().max_physical_offset.value();
        if (frame.offset != mine) {
          return DataLossError("the master sent offset " + std::to_string(frame.offset) +
                               " but this slave's max offset is " + std::to_string(mine));
        }
        if (frame.body.empty()) continue;
        const auto size = static_cast<std::int64_t>(frame.body.size());
        auto appended = std::make_shared<std::promise<Status>>();
        std::future<Status> result = appended->get_future();
        store_.AppendRaw(CommitLogOffset(frame.offset),
                         BufferList(Buffer::FromVector(std::move(frame.body))),
                         [appended](Status s) { appended->set_value(std::move(s)); });
        // The bytes are in the store (readable, in the page cache) once its max offset moved:
        // report at once, as RocketMQ's slave does, without a hop through the store's
        // completion thread. Otherwise the append failed: wait for the reason.
        if (store_.Stats().max_physical_offset.value() != frame.offset + size) {
          Status s = result.get();
          if (s.ok()) {
            s = InternalError("AppendRaw succeeded but the max offset did not move");
          }
          return s.WithContext("appending the master's bytes");
        }
        applied_.fetch_add(size);
        applied = true;
      }
    } else if (now - last_read > options_.idle_timeout) {
      return UnavailableError(
          "nothing from the master for " +
          std::to_string(std::chrono::duration_cast<milliseconds>(now - last_read).count()) +
          " ms");
    }
    if (applied || now - last_report >= options_.heartbeat) {
      QUIVER_RETURN_IF_ERROR(Report(socket));
      last_report = now;
    }
  }
  return CancelledError("stopping");
}

}  // namespace quiver::replication::master_slave
