#pragma once
// A real Quiver cluster on loopback for integration tests: name servers and brokers run as
// `quiver start -c FILE.toml` child processes, each on free ports and (brokers) with its own
// store dir under the test's temp dir; clients run in-process (SDK over a kernel-built
// client runtime) or as `quiver produce/consume/admin` child processes.
//
// Nodes are stopped by PID in TearDown (SIGTERM, SIGKILL after a deadline) and die with the
// test process (PR_SET_PDEATHSIG) if it is killed, so no process outlives a test. When a
// test fails, the tail of every node's log is printed.
//
// Waiting: nothing sleeps for synchronisation; WaitUntil() re-checks a condition (each check
// is a request to a node) until it holds or a deadline passes.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "quiver/client/admin.h"
#include "quiver/client/client_runtime.h"
#include "quiver/client/message.h"
#include "quiver/client/producer.h"
#include "quiver/client/pull_consumer.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/status.h"

namespace quiver::testing {
class ZooKeeperServers;
}

namespace quiver::integration {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then closed).
int FreePort();

// Re-checks `condition` until it returns true or `deadline` passes; true when it held.
bool WaitUntil(std::chrono::milliseconds deadline, const std::function<bool()>& condition);

// The result of a `quiver ...` command run to completion.
struct CommandResult {
  int status = -1;  // exit status; -1 when killed at the deadline or by a signal
  std::string out;
  std::string err;
};

// Blocking request/response over a plain TCP socket with the SDK codec (for raw frames).
class RawConnection {
 public:
  // Connects to "127.0.0.1:PORT"; check connected().
  explicit RawConnection(const std::string& address);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes `command` (opaque assigned here) as one frame.
  Status Send(protocol::RemotingCommand& command);
  // The next frame, or kDeadlineExceeded / kUnavailable (closed) / a decode error.
  StatusOr<protocol::RemotingCommand> Receive(std::chrono::milliseconds deadline);
  // Send + Receive.
  StatusOr<protocol::RemotingCommand> Call(protocol::RemotingCommand command,
                                           std::chrono::milliseconds deadline = 5s);

 private:
  int fd_ = -1;
  std::int32_t next_opaque_ = 1;
  std::vector<std::uint8_t> pending_;
};

struct BrokerOptions {
  std::string name = "broker-a";
  bool auto_create_topic = true;
  std::string max_message_size = "4MiB";
  // Extra lines for the [broker] table (`delay_levels = "100ms 200ms"`, say).
  std::string broker_extra = "";
  // Master-slave groups: [broker] id (> 0 = a slave of the same name) and extra lines for
  // [replication.master-slave] (role, ha_listen, master_ha, ...).
  int id = 0;
  std::string replication = "";
  // Extra [storage.commitlog] lines (e.g. disk_max_used_ratio).
  std::string storage = "";
};

class ClusterTest : public ::testing::Test {
 protected:
  // The registry plugin every node uses: QUIVER_TEST_REGISTRY ("nameserver" when unset, or
  // "zookeeper"), so ctest runs the same scenarios over both registries.
  ClusterTest();
  // A fixed registry plugin: "nameserver" or "zookeeper". With "zookeeper", a standalone
  // ZooKeeper server is started for the test (on first use); brokers and client configs
  // point at it, and StartNameServer() starts a route gateway (role nameserver, [registry]
  // plugin = "zookeeper"), so `-n NamesrvList()` still works for the CLI.
  explicit ClusterTest(std::string registry);
  ~ClusterTest() override;
  void TearDown() override;

  // Starts a name server and waits until it accepts connections; returns its index.
  int StartNameServer();
  // Starts a broker registered with every name server started so far and waits until the
  // name servers list it; returns its index.
  int StartBroker(const BrokerOptions& options = {});

  // Starts the node again with the same config (same ports, same store dir) and waits as
  // at first start.
  void Restart(int node);
  // SIGTERM, then SIGKILL if the node is still running after `deadline`; reaps it.
  // Returns true when it exited on SIGTERM (with status 0).
  bool Stop(int node, std::chrono::milliseconds deadline = 20s);
  // SIGKILL and reap.
  void Kill(int node);
  // SIGSTOP / SIGCONT (a hung process whose sockets stay open).
  void Pause(int node);
  void Resume(int node);
  bool Running(int node) const;

  // "127.0.0.1:PORT" of a node.
  std::string Address(int node) const;
  // Every name server, as `-n` takes them: "a:p;b:p".
  std::string NamesrvList() const;
  // A client config (role = "client", route_refresh 1s) for --config and the SDK.
  std::string ClientConfig() const { return client_config_.string(); }

  // A client runtime on ClientConfig(), made on first use and shut down in TearDown.
  std::shared_ptr<client::ClientRuntime> Runtime();
  // A new runtime (its own route cache).
  std::shared_ptr<client::ClientRuntime> NewRuntime();
  // True when the name servers list `broker_name` (a fresh CLUSTER_INFO request).
  bool Registered(const std::string& broker_name,
                  const std::shared_ptr<client::ClientRuntime>& runtime, std::int64_t id = 0);

  // `quiver ARGS...`, killed after `deadline`.
  CommandResult Quiver(const std::vector<std::string>& args,
                       std::chrono::milliseconds deadline = 60s);
  // `quiver admin updateTopic -n NAMESRV -c DefaultCluster -t TOPIC -r N -w N`, asserting
  // success, then waits until Runtime() sees `brokers` broker groups with N queues each.
  void CreateTopic(const std::string& topic, int queues, int brokers);

  // Sends `messages` synchronously; fails the test on the first error.
  std::vector<client::SendResult> SendAll(client::Producer& producer,
                                          const std::vector<client::Message>& messages);
  // Polls until `count` messages arrived or `deadline` passed; returns what arrived.
  std::vector<client::MessageExt> PollAtLeast(client::PullConsumer& consumer, std::size_t count,
                                              std::chrono::milliseconds deadline);

  std::filesystem::path dir() const { return dir_; }
  const std::string& registry() const { return registry_; }
  // The ZooKeeper server of a "zookeeper" test (started on first use), else null.
  testing::ZooKeeperServers* zookeeper();
  // Session timeout written into [registry.zookeeper] (short, so crashes show quickly).
  static constexpr const char* kZookeeperSessionTimeout = "4s";

 private:
  struct Node {
    std::string kind;  // "nameserver" | "broker"
    std::string name;
    int broker_id = 0;
    int port = 0;
    std::filesystem::path config;
    std::filesystem::path log;
    pid_t pid = -1;
  };
  void Launch(Node& node);
  void WaitReady(const Node& node);
  void WriteClientConfig();
  std::string Tail(const std::filesystem::path& log) const;
  // The [registry] tables of a node's config (`for_nameserver`: the name-server role).
  std::string RegistryToml(bool for_nameserver);

  std::filesystem::path dir_;
  std::filesystem::path client_config_;
  std::vector<Node> nodes_;
  std::shared_ptr<client::ClientRuntime> runtime_;
  std::string registry_;
  std::unique_ptr<testing::ZooKeeperServers> zookeeper_;
};

}  // namespace quiver::integration
