#pragma once
// The slave side of the HA channel (RocketMQ's HAClient, §7.2): connects to the master's
// HA address, reports its max physical offset (on connect, after every applied batch and at
// least every `heartbeat`), and appends the master's frames verbatim with AppendRaw (the
// store indexes them). A frame whose offset is not this store's max offset, a bad frame, a
// failed append or `idle_timeout` without any byte closes the connection; it reconnects
// after `reconnect_delay` and resumes from its own max offset.
//
// Thread safety: public methods from any thread; one thread does all the work.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ha_socket.h"
#include "quiver/clock.h"
#include "quiver/storage.h"

namespace spdlog {
class logger;
}

namespace quiver::replication::master_slave {

struct HaClientOptions {
  std::string master_ha;
  std::int32_t max_frame_body = 4 * 1024 * 1024;
  Duration heartbeat = std::chrono::seconds(5);
  Duration idle_timeout = std::chrono::seconds(20);
  Duration reconnect_delay = std::chrono::seconds(1);
};

class HaClient {
 public:
  HaClient(MessageStore& store, HaClientOptions options, std::shared_ptr<spdlog::logger> logger);
  ~HaClient();  // Stop()

  void Start();
  void Stop();

  bool Connected() const { return connected_.load(); }
  // Bytes applied since start (tests, metrics).
  std::int64_t AppliedBytes() const { return applied_.load(); }

 private:
  void Run();
  // One connection, until it fails or Stop(). Returns why it ended.
  Status Session();
  Status Report(const Socket& socket);

  MessageStore& store_;
  const HaClientOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<bool> running_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> applied_{0};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  const Socket* socket_ = nullptr;  // the live one, for Stop() to shut down; under mu_
};

}  // namespace quiver::replication::master_slave
