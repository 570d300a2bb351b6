#pragma once
// Real Apache ZooKeeper servers for tests (Debian's `zookeeper` package, run with `java`
// without systemd; reference: ecosystem.md §3): a standalone server or an ensemble of N on
// loopback, each on free ports with its own config and data dir under a temp dir.
//
// Servers are JVM child processes, started by fork+exec (never fork without exec: a live
// ZooKeeper client handle in the test process would hang the child), stopped by their PID
// (SIGTERM or SIGKILL), and killed with the test process if that one dies
// (PR_SET_PDEATHSIG). Readiness is the `srvr` four-letter word answering "Mode: ...",
// which a quorum member only does while it serves (`ruok` says imok even when it does not).
//
// Threading: one test thread. Not copyable.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "quiver/status.h"

namespace quiver::testing {

class ZooKeeperServers {
 public:
  // OK when java and the ZooKeeper jar are installed; else kFailedPrecondition saying what
  // to install (scripts/setup).
  static Status Available();

  // Starts `count` servers (1: standalone; 3: an ensemble) under `dir` with tickTime
  // `tick` (sessions may last 2..20 ticks) and waits until each serves, at most `deadline`.
  static StatusOr<std::unique_ptr<ZooKeeperServers>> Start(
      const std::filesystem::path& dir, int count,
      std::chrono::milliseconds tick = std::chrono::milliseconds(500),
      std::chrono::milliseconds deadline = std::chrono::seconds(60));
  ~ZooKeeperServers();
  ZooKeeperServers(const ZooKeeperServers&) = delete;
  ZooKeeperServers& operator=(const ZooKeeperServers&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  // "127.0.0.1:p1,127.0.0.1:p2,...".
  std::string ConnectString() const;
  std::string Address(int i) const;
  bool Running(int i) const { return servers_[i].pid > 0; }

  // SIGKILL and reap.
  void Kill(int i);
  // SIGTERM, SIGKILL after `deadline`; reap.
  void Stop(int i, std::chrono::milliseconds deadline = std::chrono::seconds(15));
  // Starts a stopped server again (same ports, same data) and waits until it serves.
  Status Restart(int i, std::chrono::milliseconds deadline = std::chrono::seconds(60));
  // What `srvr` says after "Mode: " ("standalone", "leader", "follower"), or "" when the
  // server does not answer or does not serve.
  std::string Mode(int i) const;
  // Index of the server that says it is the leader, or -1.
  int Leader() const;
  // Waits until server i serves; false at the deadline or when its process exited.
  bool WaitServing(int i, std::chrono::milliseconds deadline);
  // The last lines of server i's log (for failure messages).
  std::string Tail(int i) const;

 private:
  struct Server {
    int client_port = 0;
    std::filesystem::path config;
    std::filesystem::path log;
    pid_t pid = -1;
  };
  ZooKeeperServers() = default;
  Status Launch(Server& server);

  std::vector<Server> servers_;
};

// "Mode: ..." of the server at 127.0.0.1:port via `srvr`, or "".
std::string ZooKeeperMode(int port);

}  // namespace quiver::testing
