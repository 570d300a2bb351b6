#pragma once
// The master side of the HA channel (RocketMQ's HAService + HAConnection, §7.2): accepts
// slaves on its own port, streams the commit log to each from the offset the slave reports
// (ReadRaw batches of `transfer_batch` bytes, a header-only heartbeat every 5 s when idle),
// and reads the slaves' offset reports, which acknowledge everything before them.
//
// Per slave: a reader thread (reports; idle for `idle_timeout` closes) and a writer thread
// (waits on NotifyData() or 1 s, reads the store, writes). The acceptor thread also joins
// finished connections.
//
// Thread safety: every public method may be called from any thread. `on_ack` runs on a
// reader thread and must not block.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ha_socket.h"
#include "quiver/clock.h"
#include "quiver/replication.h"
#include "quiver/storage.h"

namespace spdlog {
class logger;
}

namespace quiver::replication::master_slave {

struct HaServerOptions {
  std::int64_t transfer_batch = 32 * 1024;
  Duration heartbeat = std::chrono::seconds(5);
  Duration idle_timeout = std::chrono::seconds(20);
};

class HaServer {
 public:
  // `on_ack(offset)`: the best offset any slave acknowledged grew to `offset`.
  // `on_slaves_changed()`: a slave connected (first report) or disconnected.
  HaServer(MessageStore& store, HaServerOptions options, std::shared_ptr<spdlog::logger> logger,
           std::function<void(std::int64_t)> on_ack, std::function<void()> on_slaves_changed);
  ~HaServer();  // Stop()

  Status Start(const std::string& listen);
  std::string LocalAddress() const;
  void Stop();

  // New bytes are in the store: wakes the writers.
  void NotifyData();
  // Slaves that reported at least once and are still connected.
  std::size_t SlaveCount() const;
  // The best acknowledged offset of a connected slave, -1 when none.
  std::int64_t BestAck() const;
  std::vector<ReplicaStatus> Replicas() const;

 private:
  struct Connection;
  void AcceptLoop();
  void ReadLoop(const std::shared_ptr<Connection>& c);
  void WriteLoop(const std::shared_ptr<Connection>& c);
  void Close(const std::shared_ptr<Connection>& c, const std::string& why);
  void ReapFinished(bool all);

  MessageStore& store_;
  const HaServerOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::function<void(std::int64_t)> on_ack_;
  std::function<void()> on_slaves_changed_;

  Socket listener_;
  std::string local_address_;
  std::atomic<bool> running_{false};
  std::thread acceptor_;

  mutable std::mutex mu_;
  std::condition_variable data_cv_;
  std::uint64_t data_seq_ = 0;
  std::list<std::shared_ptr<Connection>> connections_;
};

}  // namespace quiver::replication::master_slave
