#include "ha_server.h"

#include <spdlog/logger.h>

#include <array>

#include "ha_protocol.h"

namespace quiver::replication::master_slave {

using std::chrono::milliseconds;

struct HaServer::Connection {
  explicit Connection(Socket s) : socket(std::move(s)), remote(socket.RemoteAddress()) {}
  Socket socket;
  const std::string remote;
  std::atomic<bool> open{true};
  std::atomic<std::int64_t> request_offset{-1};  // the first report: where streaming starts
  std::atomic<std::int64_t> acked{-1};           // the latest report
  std::atomic<int> finished{0};                  // threads that returned
  std::thread reader;
  std::thread writer;
};

HaServer::HaServer(MessageStore& store, HaServerOptions options,
                   std::shared_ptr<spdlog::logger> logger, std::function<void(std::int64_t)> on_ack,
                   std::function<void()> on_slaves_changed)
    : store_(store),
      options_(options),
      logger_(std::move(logger)),
      on_ack_(std::move(on_ack)),
      on_slaves_changed_(std::move(on_slaves_changed)) {}

HaServer::~HaServer() { Stop(); }

Status HaServer::Start(const std::string& listen) {
  QUIVER_ASSIGN_OR_RETURN(listener_, Socket::Listen(listen));
  local_address_ = listener_.LocalAddress();
  running_.store(true);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  if (logger_) logger_->info("HA listener on {}", local_address_);
  return Status::Ok();
}

std::string HaServer::LocalAddress() const { return local_address_; }

void HaServer::Stop() {
  if (!running_.exchange(false)) return;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (auto& c : connections_) {
      c->open.store(false);
      c->socket.Shutdown();
    }
  }
  data_cv_.notify_all();
  ReapFinished(true);
}

void HaServer::NotifyData() {
  {
    std::lock_guard lock(mu_);
    ++data_seq_;
  }
  data_cv_.notify_all();
}

std::size_t HaServer::SlaveCount() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& c : connections_) n += c->open.load() && c->acked.load() >= 0 ? 1 : 0;
  return n;
}

std::int64_t HaServer::BestAck() const {
  std::lock_guard lock(mu_);
  std::int64_t best = -1;
  for (const auto& c : connections_) {
    if (c->open.load()) best = std::max(best, c->acked.load());
  }
  return best;
}

std::vector<ReplicaStatus> HaServer::Replicas() const {
  const std::int64_t max = store_.Stats().max_physical_offset.value();
  std::vector<ReplicaStatus> out;
  std::lock_guard lock(mu_);
  for (const auto& c : connections_) {
    if (!c->open.load() || c->acked.load() < 0) continue;
    ReplicaStatus s;
    s.address = c->remote;
    s.acked_offset = CommitLogOffset(c->acked.load());
    s.lag_bytes = std::max<std::int64_t>(0, max - c->acked.load());
    s.in_sync = s.lag_bytes < 256LL * 1024 * 1024;  // RocketMQ's haSlaveFallbehindMax
    out.push_back(std::move(s));
  }
  return out;
}

void HaServer::AcceptLoop() {
  while (running_.load()) {
    StatusOr<Socket> accepted = listener_.Accept(milliseconds(200));
    ReapFinished(false);
    if (!accepted.ok()) {
      if (accepted.status().code() != StatusCode::kDeadlineExceeded && logger_) {
        logger_->warn("HA accept failed: {}", accepted.status().ToString());
      }
      continue;
    }
    auto c = std::make_shared<Connection>(std::move(*accepted));
    if (logger_) logger_->info("HA: slave {} connected", c->remote);
    std::lock_guard lock(mu_);
    connections_.push_back(c);
    c->reader = std::thread([this, c] {
      ReadLoop(c);
      c->finished.fetch_add(1);
    });
    c->writer = std::thread([this, c] {
      WriteLoop(c);
      c->finished.fetch_add(1);
    });
  }
}

void HaServer::ReapFinished(bool all) {
  std::list<std::shared_ptr<Connection>> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (all || (*it)->finished.load() == 2) {
        done.push_back(*it);
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : done) {
    if (c->reader.joinable()) c->reader.join();
    if (c->writer.joinable()) c->writer.join();
  }
}

void HaServer::Close(const std::shared_ptr<Connection>& c, const std::string& why) {
  if (!c->open.exchange(false)) return;
  c->socket.Shutdown();
  if (logger_) logger_->warn("HA: slave {} disconnected: {}", c->remote, why);
  data_cv_.notify_all();
  if (c->acked.load() >= 0 && on_slaves_changed_) on_slaves_changed_();
}

void HaServer::ReadLoop(const std::shared_ptr<Connection>& c) {
  ReportDecoder decoder;
  std::array<std::uint8_t, 1024> buffer{};
  auto last_read = std::chrono::steady_clock::now();
  while (c->open.load() && running_.load()) {
    StatusOr<std::size_t> n = c->socket.Read(buffer, milliseconds(500));
    const auto now = std::chrono::steady_clock::now();
    if (!n.ok()) {
      if (n.status().code() != StatusCode::kDeadlineExceeded) {
        Close(c, n.status().message());
        return;
      }
      if (now - last_read > options_.idle_timeout) {
        Close(c, "no report for " +
                     std::to_string(
                         std::chrono::duration_cast<milliseconds>(now - last_read).count()) +
                     " ms");
        return;
      }
      continue;
    }
    last_read = now;
    StatusOr<std::optional<std::int64_t>> report = decoder.Feed({buffer.data(), *n});
    if (!report.ok()) {
      Close(c, report.status().message());
      return;
    }
    if (!report->has_value()) continue;
    const std::int64_t offset = **report;
    const std::int64_t max = store_.Stats().max_physical_offset.value();
    if (offset > max) {
      Close(c, "the slave reports offset " + std::to_string(offset) +
                   ", beyond this master's max offset " + std::to_string(max) +
                   " (a slave of another master, or this master lost data)");
      return;
    }
    const bool first = c->acked.exchange(offset) < 0;
    if (first) {
      c->request_offset.store(offset);
      if (logger_) logger_->info("HA: slave {} starts at offset {}", c->remote, offset);
      data_cv_.notify_all();
      if (on_slaves_changed_) on_slaves_changed_();
    }
    if (on_ack_) on_ack_(offset);
  }
}

void HaServer::WriteLoop(const std::shared_ptr<Connection>& c) {
  {
    std::unique_lock lock(mu_);
    while (c->open.load() && running_.load() && c->request_offset.load() < 0) {
      data_cv_.wait_for(lock, milliseconds(500));
    }
  }
  std::int64_t next = c->request_offset.load();
  auto last_send = std::chrono::steady_clock::now();
  const auto write_timeout = std::chrono::duration_cast<milliseconds>(options_.idle_timeout);
  while (c->open.load() && running_.load()) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = data_seq_;
    }
    StatusOr<BufferList> data = store_.ReadRaw(CommitLogOffset(next), options_.transfer_batch);
    if (!data.ok()) {
      Close(c, "reading the commit log at " + std::to_string(next) +
                   " failed: " + data.status().ToString());
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (data->empty()) {
      if (now - last_send >= options_.heartbeat) {
        auto header = EncodeTransferHeader(next, 0);
        if (Status s = c->socket.Write({header}, write_timeout); !s.ok()) {
          Close(c, s.message());
          return;
        }
        last_send = now;
      }
      std::unique_lock lock(mu_);
      data_cv_.wait_for(lock, std::min<Duration>(options_.heartbeat, std::chrono::seconds(1)),
                        [&] { return data_seq_ != seen || !c->open.load() || !running_.load(); });
      continue;
    }
    const auto size = static_cast<std::int32_t>(data->size());
    auto header = EncodeTransferHeader(next, size);
    std::vector<std::span<const std::uint8_t>> parts;
    parts.emplace_back(header);
    for (const Buffer& b : data->parts()) parts.push_back(b.span());
    if (Status s = c->socket.Write(parts, write_timeout); !s.ok()) {
      Close(c, s.message());
      return;
    }
    next += size;
    last_send = now;
  }
}

}  // namespace quiver::replication::master_slave
