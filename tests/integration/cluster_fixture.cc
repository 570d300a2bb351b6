#include "cluster_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "client_runtime.h"
#include "quiver/protocol/codec.h"
#include "subprocess.h"
#include "process_util.h"
#include "zookeeper_fixture.h"

namespace quiver::integration {

namespace fs = std::filesystem;

namespace {

const std::string kQuiver = QUIVER_BINARY;

// How long a node may take to start serving (the machine is small and loaded).
constexpr auto kStartDeadline = 30s;
// Pause between two checks of a condition that has no notification (another process).
constexpr auto kRecheck = 50ms;

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int FreePort() {
  const int port = testing::FreeLoopbackPort();
  if (port < 0) std::abort();
  return port;
}

bool WaitUntil(std::chrono::milliseconds deadline, const std::function<bool()>& condition) {
  const auto end = Clock::now() + deadline;
  while (true) {
    if (condition()) return true;
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(kRecheck);
  }
}

// ---- RawConnection ----

RawConnection::RawConnection(const std::string& address) {
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  fd_ = ConnectLoopback(port);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

Status RawConnection::Send(protocol::RemotingCommand& command) {
  command.opaque = next_opaque_++;
  const BufferList frame = protocol::EncodeFrame(command);
  for (const Buffer& part : frame.parts()) {
    std::size_t done = 0;
    while (done < part.size()) {
      const ssize_t n = ::send(fd_, part.data() + done, part.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return UnavailableError(std::string("send: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
  }
  return Status::Ok();
}

StatusOr<protocol::RemotingCommand> RawConnection::Receive(std::chrono::milliseconds deadline) {
  const auto end = Clock::now() + deadline;
  while (true) {
    if (pending_.size() >= 4) {
      const std::uint32_t length = std::uint32_t{pending_[0]} << 24 |
                                   std::uint32_t{pending_[1]} << 16 |
                                   std::uint32_t{pending_[2]} << 8 | std::uint32_t{pending_[3]};
      if (pending_.size() >= 4 + std::size_t{length}) {
        std::vector<std::uint8_t> body(pending_.begin() + 4, pending_.begin() + 4 + length);
        pending_.erase(pending_.begin(), pending_.begin() + 4 + length);
        return protocol::DecodeFrameBody(Buffer::FromVector(std::move(body)));
      }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (left <= 0) return DeadlineExceededError("no response frame");
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::uint8_t buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return UnavailableError("connection closed by the peer");
    pending_.insert(pending_.end(), buffer, buffer + n);
  }
}

StatusOr<protocol::RemotingCommand> RawConnection::Call(protocol::RemotingCommand command,
                                                        std::chrono::milliseconds deadline) {
  QUIVER_RETURN_IF_ERROR(Send(command));
  return Receive(deadline);
}

// ---- ClusterTest ----

namespace {

std::string RegistryFromEnvironment() {
  const char* value = std::getenv("QUIVER_TEST_REGISTRY");
  return value != nullptr && *value != '\0' ? value : "nameserver";
}

}  // namespace

ClusterTest::ClusterTest() : ClusterTest(RegistryFromEnvironment()) {}

ClusterTest::ClusterTest(std::string registry) : registry_(std::move(registry)) {
  if (registry_ != "nameserver" && registry_ != "zookeeper") {
    std::cerr << "QUIVER_TEST_REGISTRY: expected nameserver or zookeeper, found " << registry_
              << "\n";
    std::abort();
  }
  std::string pattern = (fs::temp_directory_path() / "quiver-integration-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  dir_ = pattern;
  client_config_ = dir_ / "client.toml";
}

ClusterTest::~ClusterTest() {
  for (Node& node : nodes_) {
    if (node.pid > 0) {
      kill(node.pid, SIGKILL);
      waitpid(node.pid, nullptr, 0);
      node.pid = -1;
    }
  }
  zookeeper_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ClusterTest::TearDown() {
  runtime_.reset();
  const bool failed = HasFailure();
  for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
    if (Running(i)) Stop(i, 10s);
  }
  if (failed) {
    for (const Node& node : nodes_) {
      std::cout << "---- " << node.kind << " " << node.name << " (" << node.log.string()
                << "), last lines:\n"
                << Tail(node.log) << "\n";
    }
  }
}

std::string ClusterTest::Tail(const fs::path& log) const {
  std::ifstream in(log);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::string out;
  const std::size_t first = lines.size() > 40 ? lines.size() - 40 : 0;
  for (std::size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

testing::ZooKeeperServers* ClusterTest::zookeeper() {
  if (registry_ == "zookeeper" && !zookeeper_) {
    StatusOr<std::unique_ptr<testing::ZooKeeperServers>> servers =
        testing::ZooKeeperServers::Start(dir_ / "zookeeper", 1);
    EXPECT_TRUE(servers.ok()) << servers.status().ToString();
    if (servers.ok()) zookeeper_ = std::move(*servers);
  }
  return zookeeper_.get();
}

std::string ClusterTest::RegistryToml(bool for_nameserver) {
  std::ostringstream out;
  if (registry_ == "zookeeper") {
    testing::ZooKeeperServers* zk = zookeeper();
    if (zk == nullptr) {
      ADD_FAILURE() << "registry zookeeper: no ZooKeeper server (is the plugin built?)";
      return "";
    }
    out << "[registry]\nplugin = \"zookeeper\"\n[registry.zookeeper]\nensemble = \""
        << zk->ConnectString() << "\"\nsession_timeout = \"" << kZookeeperSessionTimeout << "\"\n";
    return out.str();
  }
  out << "[registry]\nplugin = \"nameserver\"\n[registry.nameserver]\n";
  if (for_nameserver) {
    out << "scan_interval = \"1s\"\nbroker_expiry = \"10s\"\n";
    return out.str();
  }
  out << "addresses = [";
  bool first = true;
  for (const Node& n : nodes_) {
    if (n.kind != "nameserver") continue;
    out << (first ? "" : ", ") << "\"127.0.0.1:" << n.port << "\"";
    first = false;
  }
  out << "]\n";
  return out.str();
}

void ClusterTest::WriteClientConfig() {
  std::ofstream out(client_config_);
  out << "role = \"client\"\n[log]\nlevel = \"warn\"\n[client]\nrequest_timeout = \"3s\"\n";
  if (registry_ == "zookeeper") {
    out << RegistryToml(false);
    return;
  }
  out << "[registry]\nplugin = \"nameserver\"\n[registry.nameserver]\naddresses = [";
  bool first = true;
  for (const Node& node : nodes_) {
    if (node.kind != "nameserver") continue;
    out << (first ? "" : ", ") << "\"127.0.0.1:" << node.port << "\"";
    first = false;
  }
  out << "]\nroute_refresh = \"1s\"\n";
}

int ClusterTest::StartNameServer() {
  Node node;
  node.kind = "nameserver";
  node.name = "nameserver-" + std::to_string(nodes_.size());
  node.port = FreePort();
  node.config = dir_ / (node.name + ".toml");
  node.log = dir_ / (node.name + ".log");
  {
    std::ofstream out(node.config);
    out << "role = \"nameserver\"\n[log]\nlevel = \"info\"\n[nameserver]\nlisten = \"127.0.0.1:"
        << node.port << "\"\n"
        << RegistryToml(true);
  }
  nodes_.push_back(node);
  WriteClientConfig();
  Launch(nodes_.back());
  WaitReady(nodes_.back());
  return static_cast<int>(nodes_.size()) - 1;
}

int ClusterTest::StartBroker(const BrokerOptions& options) {
  Node node;
  node.kind = "broker";
  node.name = options.name;
  node.broker_id = options.id;
  node.port = FreePort();
  const std::string file =
      options.id == 0 ? node.name : node.name + "-" + std::to_string(options.id);
  node.config = dir_ / (file + ".toml");
  node.log = dir_ / (file + ".log");
  const fs::path store = dir_ / ("store-" + file);
  {
    std::ofstream out(node.config);
    out << "role = \"broker\"\n[log]\nlevel = \"info\"\n[broker]\ncluster = \"DefaultCluster\"\n"
        << "name = \"" << options.name << "\"\nid = " << options.id << "\nlisten = \"127.0.0.1:" << node.port
        << "\"\nstore_dir = \"" << store.string()
        << "\"\nauto_create_topic = " << (options.auto_create_topic ? "true" : "false")
        << "\nmax_message_size = \"" << options.max_message_size << "\"\n"
        << options.broker_extra << (options.broker_extra.empty() ? "" : "\n")
        << RegistryToml(false);
    if (registry_ == "nameserver") out << "heartbeat_interval = \"1s\"\n";
    out << "[storage]\nplugin = \"commitlog\"\n[storage.commitlog]\nsegment_size = \"4MiB\"\n" << options.storage
        << (options.storage.empty() ? "" : "\n") << "[replication]\nplugin = \"master-slave\"\n";
    if (!options.replication.empty()) {
      out << "[replication.master-slave]\n" << options.replication << "\n";
    }
  }
  nodes_.push_back(node);
  if (registry_ == "zookeeper" && !fs::exists(client_config_)) WriteClientConfig();
  Launch(nodes_.back());
  WaitReady(nodes_.back());
  return static_cast<int>(nodes_.size()) - 1;
}

void ClusterTest::Launch(Node& node) {
  // Everything the child needs is prepared before fork(): the test process has threads.
  const std::vector<std::string> argv{kQuiver, "start", "-c", node.config.string()};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = open(node.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(log, 0) << node.log;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0) << "fork: " << std::strerror(errno);
  if (pid == 0) {
    // Dies with the test process, even when that one is killed (no process left behind).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  close(null);
  node.pid = pid;
}

void ClusterTest::WaitReady(const Node& node) {
  bool exited = false;
  auto alive = [&] {
    int status = 0;
    if (node.pid > 0 && waitpid(node.pid, &status, WNOHANG) == node.pid) {
      exited = true;
      // Reaped here: forget the pid so that nothing signals a recycled one.
      for (Node& n : nodes_) {
        if (n.pid == node.pid) n.pid = -1;
      }
    }
    return !exited;
  };
  bool ready = false;
  if (node.kind == "nameserver") {
    ready = WaitUntil(kStartDeadline, [&] {
      if (!alive()) return true;
      const int fd = ConnectLoopback(node.port);
      if (fd < 0) return false;
      close(fd);
      return true;
    });
  } else {
    std::shared_ptr<client::ClientRuntime> runtime = Runtime();
    ASSERT_NE(runtime, nullptr);
    ready = WaitUntil(kStartDeadline, [&] {
      if (!alive()) return true;
      return Registered(node.name, runtime, node.broker_id);
    });
  }
  ASSERT_FALSE(exited) << node.kind << " " << node.name << " exited at start:\n" << Tail(node.log);
  ASSERT_TRUE(ready) << node.kind << " " << node.name << " not serving after "
                     << kStartDeadline.count() << " s:\n"
                     << Tail(node.log);
}

bool ClusterTest::Registered(const std::string& broker_name,
                             const std::shared_ptr<client::ClientRuntime>& runtime,
                             std::int64_t id) {
  client::Admin admin(runtime);
  StatusOr<ClusterInfo> info = admin.GetClusterInfo();
  if (!info.ok()) return false;
  auto it = info->broker_addr_table.find(broker_name);
  return it != info->broker_addr_table.end() && it->second.broker_addrs.count(id) == 1;
}

void ClusterTest::Restart(int node) {
  ASSERT_FALSE(Running(node)) << "restart of a running node";
  Launch(nodes_[node]);
  WaitReady(nodes_[node]);
}

bool ClusterTest::Stop(int node, std::chrono::milliseconds deadline) {
  Node& n = nodes_[node];
  if (n.pid <= 0) return false;
  kill(n.pid, SIGTERM);
  std::optional<int> status = testing::WaitExit(n.pid, deadline);
  if (!status) {
    kill(n.pid, SIGKILL);
    waitpid(n.pid, nullptr, 0);
  }
  n.pid = -1;
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

void ClusterTest::Kill(int node) {
  Node& n = nodes_[node];
  if (n.pid <= 0) return;
  kill(n.pid, SIGKILL);
  waitpid(n.pid, nullptr, 0);
  n.pid = -1;
}

void ClusterTest::Pause(int node) {
  if (nodes_[node].pid > 0) kill(nodes_[node].pid, SIGSTOP);
}

void ClusterTest::Resume(int node) {
  if (nodes_[node].pid > 0) kill(nodes_[node].pid, SIGCONT);
}

bool ClusterTest::Running(int node) const { return nodes_[node].pid > 0; }

std::string ClusterTest::Address(int node) const {
  return "127.0.0.1:" + std::to_string(nodes_[node].port);
}

std::string ClusterTest::NamesrvList() const {
  std::string list;
  for (const Node& node : nodes_) {
    if (node.kind != "nameserver") continue;
    if (!list.empty()) list += ";";
    list += "127.0.0.1:" + std::to_string(node.port);
  }
  return list;
}

std::shared_ptr<client::ClientRuntime> ClusterTest::Runtime() {
  if (!runtime_) runtime_ = NewRuntime();
  return runtime_;
}

std::shared_ptr<client::ClientRuntime> ClusterTest::NewRuntime() {
  client::ClientOptions options;
  options.config_file = client_config_.string();
  StatusOr<std::shared_ptr<client::ClientRuntime>> runtime = app::MakeClientRuntime(options);
  EXPECT_TRUE(runtime.ok()) << runtime.status().ToString();
  return runtime.ok() ? *runtime : nullptr;
}

CommandResult ClusterTest::Quiver(const std::vector<std::string>& args,
                                  std::chrono::milliseconds deadline) {
  std::vector<std::string> argv{kQuiver};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::Subprocess process(argv);
  CommandResult result;
  result.status = process.Wait(deadline);
  result.out = process.out();
  result.err = process.err();
  return result;
}

void ClusterTest::CreateTopic(const std::string& topic, int queues, int brokers) {
  const CommandResult r =
      Quiver({"admin", "updateTopic", "-n", NamesrvList(), "-c", "DefaultCluster", "-t", topic,
              "-r", std::to_string(queues), "-w", std::to_string(queues)});
  ASSERT_EQ(r.status, 0) << r.err;
  client::Admin admin(Runtime());
  const bool seen = WaitUntil(15s, [&] {
    StatusOr<TopicRouteData> route = admin.GetTopicRoute(topic);
    if (!route.ok() || static_cast<int>(route->queue_datas.size()) != brokers) return false;
    for (const QueueData& q : route->queue_datas) {
      if (q.write_queue_nums != queues || q.read_queue_nums != queues) return false;
    }
    return true;
  });
  ASSERT_TRUE(seen) << "route of " << topic << " with " << brokers << " x " << queues
                    << " queues not seen";
}

std::vector<client::SendResult> ClusterTest::SendAll(client::Producer& producer,
                                                     const std::vector<client::Message>& messages) {
  std::vector<client::SendResult> results;
  results.reserve(messages.size());
  for (const client::Message& m : messages) {
    StatusOr<client::SendResult> r = producer.Send(m);
    EXPECT_TRUE(r.ok()) << "send of " << m.body << ": " << r.status().ToString();
    if (!r.ok()) break;
    results.push_back(*r);
  }
  return results;
}

std::vector<client::MessageExt> ClusterTest::PollAtLeast(client::PullConsumer& consumer,
                                                         std::size_t count,
                                                         std::chrono::milliseconds deadline) {
  std::vector<client::MessageExt> out;
  const auto end = Clock::now() + deadline;
  while (out.size() < count && Clock::now() < end) {
    StatusOr<std::vector<client::MessageExt>> batch = consumer.Poll(1s);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok()) break;
    for (client::MessageExt& m : *batch) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace quiver::integration
