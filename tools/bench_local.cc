// `quiver bench local`: a name server and brokers as child `quiver start` processes, the
// standard workloads W1..W8 against them, and the machine limits they are compared with.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include "quiver/client/admin.h"
#include "tools/bench.h"

namespace quiver::tools::bench {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

bool WaitListening(int port, int deadline_ms) {
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(deadline_ms);
  while (SteadyClock::now() < deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log) {
  // Everything the child needs is prepared before fork(): this process has threads.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return Status(StatusCode::kUnavailable, "cannot open " + log + ": " + std::strerror(errno));
  }
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(null);
    return Status(StatusCode::kUnavailable, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the bench
    if (getppid() != parent) _exit(126);
    setpgid(0, 0);  // a terminal's Ctrl-C reaches the bench only; it stops the nodes by PID
    dup2(null, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  close(null);
  return pid;
}

void StopProcess(pid_t pid, int grace_ms) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(grace_ms);
  while (SteadyClock::now() < deadline) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(10ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

LocalCluster::~LocalCluster() { Stop(); }

Status LocalCluster::Start(std::ostream& err) {
  std::string pattern = (fs::temp_directory_path() / "quiver-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status(StatusCode::kUnavailable,
                  "cannot create a temp dir under " + fs::temp_directory_path().string());
  }
  dir_ = pattern;
  ns_port_ = FreePort();
  std::ostringstream config;
  config << "role = \"nameserver\"\n[log]\nlevel = \"warn\"\n[nameserver]\nlisten = "
            "\"127.0.0.1:"
         << ns_port_ << "\"\n";
  QUIVER_ASSIGN_OR_RETURN(ns_pid_, Launch("nameserver", config.str()));
  if (!WaitListening(ns_port_, 30000)) {
    return Status(StatusCode::kUnavailable,
                  "the name server is not listening after 30 s:\n" + LogTail("nameserver"));
  }
  err << "bench: cluster in " << dir_ << ", name server " << namesrv() << "\n";
  return Status::Ok();
}

StatusOr<LocalCluster::Broker> LocalCluster::StartBroker(
    const std::string& name, const std::string& flush, const std::string& replication_role,
    int broker_id, const std::string& master_ha, std::string* ha_listen) {
  Broker broker;
  broker.name = name;
  const int port = FreePort();
  broker.address = "127.0.0.1:" + std::to_string(port);
  const std::string node = name + "-" + std::to_string(broker_id);
  std::ostringstream c;
  c << "role = \"broker\"\n[log]\nlevel = \"warn\"\n[broker]\ncluster = \"DefaultCluster\"\n"
    << "name = \"" << name << "\"\nid = " << broker_id << "\nlisten = \"" << broker.address
    << "\"\nstore_dir = \"" << (fs::path(dir_) / ("store-" + node)).string()
    << "\"\nauto_create_topic = false\n"
    << "[registry]\nplugin = \"nameserver\"\n[registry.nameserver]\naddresses = [\"" << namesrv()
    << "\"]\nheartbeat_interval = \"1s\"\n"
    << "[storage]\nplugin = \"commitlog\"\n[storage.commitlog]\nflush = \"" << flush
    << "\"\n"
    // A benchmark writes GiBs: on a fuller disk than 75 % the store would delete the oldest
    // segment (W4's fill) while it is being read.
    << "disk_max_used_ratio = 95\n"
    << "[replication]\nplugin = \"master-slave\"\n[replication.master-slave]\nrole = \""
    << replication_role << "\"\n";
  if (!master_ha.empty()) c << "master_ha = \"" << master_ha << "\"\n";
  if (ha_listen != nullptr) {
    *ha_listen = "127.0.0.1:" + std::to_string(FreePort());
    c << "ha_listen = \"" << *ha_listen << "\"\n";
  }
  QUIVER_ASSIGN_OR_RETURN(broker.pid, Launch(node, c.str()));
  if (!WaitListening(port, 30000)) {
    return Status(StatusCode::kUnavailable,
                  "broker " + node + " is not listening after 30 s:\n" + LogTail(node));
  }
  return broker;
}

Status LocalCluster::WaitRegistered(const std::string& name,
                                    const std::shared_ptr<client::ClientRuntime>& runtime) {
  client::Admin admin(runtime);
  const auto deadline = SteadyClock::now() + 30s;
  while (SteadyClock::now() < deadline) {
    StatusOr<ClusterInfo> info = admin.GetClusterInfo();
    if (info.ok() && info->broker_addr_table.count(name) != 0) return Status::Ok();
    std::this_thread::sleep_for(50ms);
  }
  return Status(StatusCode::kDeadlineExceeded,
                "broker " + name + " has not registered with the name server after 30 s");
}

StatusOr<pid_t> LocalCluster::Launch(const std::string& node, const std::string& config_text) {
  const std::string config = (fs::path(dir_) / (node + ".toml")).string();
  {
    std::ofstream out(config);
    out << config_text;
    if (!out) return Status(StatusCode::kUnavailable, "cannot write " + config);
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return Status(StatusCode::kUnavailable, "cannot find this executable: " + ec.message());
  QUIVER_ASSIGN_OR_RETURN(pid_t pid, Spawn({self.string(), "start", "-c", config},
                                           (fs::path(dir_) / (node + ".log")).string()));
  pids_.push_back(pid);
  return pid;
}

std::string LocalCluster::LogTail(const std::string& node) const {
  std::ifstream in(fs::path(dir_) / (node + ".log"));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 20 ? lines.size() - 20 : 0; i < lines.size(); ++i)
    out += lines[i] + "\n";
  return out;
}

void LocalCluster::Stop() {
  // Brokers first (they unregister), the name server last.
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) StopProcess(*it);
  pids_.clear();
  ns_pid_ = -1;
  if (!dir_.empty() && std::getenv("QUIVER_BENCH_KEEP") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  dir_.clear();
}

// ---- Machine limits ----

BenchResult MeasureFdatasync(const std::string& dir, double seconds) {
  BenchResult r;
  r.workload = "limit.fdatasync_4k";
  r.system = "machine";
  const std::string path = (fs::path(dir) / "fdatasync.bin").string();
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    r.note = "n/a (cannot open " + path + ")";
    return r;
  }
  std::string block(4096, 'q');
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(seconds));
  while (SteadyClock::now() < end) {
    const auto t0 = SteadyClock::now();
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        fdatasync(fd) != 0) {
      ++r.errors;
      break;
    }
    r.latency->Record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - t0).count());
    ++r.msgs;
    r.bytes += block.size();
  }
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  close(fd);
  unlink(path.c_str());
  return r;
}

BenchResult MeasureSequentialWrite(const std::string& dir, std::uint64_t bytes) {
  BenchResult r;
  r.workload = "limit.seq_write_1m";
  r.system = "machine";
  const std::string path = (fs::path(dir) / "seqwrite.bin").string();
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    r.note = "n/a (cannot open " + path + ")";
    return r;
  }
  std::string block(1 << 20, 'q');
  const auto start = SteadyClock::now();
  for (std::uint64_t done = 0; done < bytes; done += block.size()) {
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      ++r.errors;
      break;
    }
    ++r.msgs;
    r.bytes += block.size();
  }
  if (fdatasync(fd) != 0) ++r.errors;  // the figure includes getting it to the disk
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  close(fd);
  unlink(path.c_str());
  r.note = "buffered 1 MiB writes + final fdatasync";
  return r;
}

BenchResult MeasureLoopback(double seconds) {
  BenchResult r;
  r.workload = "limit.loopback_stream";
  r.system = "machine";
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(listener);
    r.note = "n/a (cannot listen on loopback)";
    return r;
  }
  std::atomic<std::uint64_t> received{0};
  std::thread reader([&] {
    const int fd = accept(listener, nullptr, nullptr);
    std::string buffer(1 << 20, '\0');
    for (;;) {
      const ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n <= 0) break;
      received += static_cast<std::uint64_t>(n);
    }
    close(fd);
  });
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ++r.errors;
  std::string block(1 << 17, 'q');  // 128 KiB writes, as iperf3's default
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(seconds));
  while (r.errors == 0 && SteadyClock::now() < end) {
    if (write(fd, block.data(), block.size()) <= 0) ++r.errors;
  }
  shutdown(fd, SHUT_WR);
  reader.join();
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  close(fd);
  close(listener);
  r.bytes = received.load();
  r.msgs = r.bytes / block.size();
  r.note = "one TCP stream, 128 KiB writes";
  return r;
}

// ---- Standard workloads ----

std::vector<std::string> StandardWorkloads() {
  return {"W1", "W1b", "W2", "W3", "W4", "W5", "W6", "W7", "W8"};
}

namespace {

ClientWorkload Base(const std::string& name, const std::string& broker) {
  ClientWorkload w;
  w.name = name;
  // Topic names allow only [%|a-zA-Z0-9_-]: "W4.fill" -> "BenchW4_fill".
  w.topic = "Bench" + name;
  for (char& c : w.topic) {
    if (c == '.' || c == '=') c = '_';
  }
  w.broker = broker;
  w.progress = true;
  return w;
}

void Run(ClientWorkload w, StandardContext& context, std::vector<BenchResult>& results,
         std::ostream& err) {
  if (context.interrupted != nullptr && context.interrupted->load()) return;
  w.interrupted = context.interrupted;
  StatusOr<BenchResult> r = RunQuiverWorkload(w, context.runtime, context.server_pids, err);
  if (r.ok()) {
    results.push_back(std::move(*r));
  } else {
    BenchResult failed;
    failed.workload = w.name;
    failed.errors = 1;
    failed.note = "failed: " + r.status().ToString();
    err << "[" << w.name << "] " << failed.note << "\n";
    results.push_back(std::move(failed));
  }
}

}  // namespace

void RunStandardWorkload(const std::string& id, StandardContext& context,
                         std::vector<BenchResult>& results, std::ostream& err) {
  const Scale& s = context.scale;
  const std::string async_broker = context.brokers["async"];
  if (id == "W1" || id == "W1b" || id == "W8") {
    ClientWorkload w = Base(id, async_broker);
    w.mode = id == "W1b" ? SendMode::kBatch : SendMode::kAsync;
    w.window = 1000;
    w.batch = 32;
    if (id == "W8") {
      w.duration_s = s.small ? 3 : 60;
    } else {
      w.messages = s.Count(500'000, 20'000);
    }
    w.warmup_s = s.small ? 0 : 1;
    Run(w, context, results, err);
  } else if (id == "W2") {
    const std::string broker = context.brokers["sync"];
    ClientWorkload w = Base("W2", broker);
    w.mode = SendMode::kAsync;
    w.window = 64;
    w.messages = s.Count(100'000, 5'000);
    Run(w, context, results, err);
    ClientWorkload lat = Base("W2.latency", broker);
    lat.topic = "BenchW2";
    lat.create_topics = false;
    lat.mode = SendMode::kSync;
    lat.messages = s.Count(3'000, 300);
    Run(lat, context, results, err);
  } else if (id == "W3") {
    ClientWorkload w = Base("W3", async_broker);
    w.mode = SendMode::kSync;
    w.messages = s.Count(20'000, 1'000);
    w.warmup_s = s.small ? 0 : 1;
    Run(w, context, results, err);
  } else if (id == "W4") {
    // Fill a topic, then read it all from offset 0 with a fresh group.
    ClientWorkload fill = Base("W4.fill", async_broker);
    fill.messages = s.Count(1'000'000, 20'000);
    Run(fill, context, results, err);
    ClientWorkload w = Base("W4", async_broker);
    w.kind = WorkloadKind::kConsume;
    w.topic = fill.topic;
    w.create_topics = false;
    w.messages = static_cast<std::int64_t>(results.back().msgs);
    w.pull_batch = 1000;  // as the peers' Fetch(1000) / XREAD COUNT 1000
    w.idle_timeout_s = 10;
    Run(w, context, results, err);
  } else if (id == "W5") {
    ClientWorkload w = Base("W5", async_broker);
    w.size = 64 * 1024;
    w.window = 64;
    w.messages = s.Count(30'000, 1'000);
    Run(w, context, results, err);
  } else if (id == "W6") {
    auto it = context.brokers.find("replicated");
    if (!context.replication || it == context.brokers.end()) {
      BenchResult na;
      na.workload = "W6";
      na.note = context.replication ? "n/a (" + context.replication_note + ")"
                                    : "n/a (run with --replication master-slave)";
      results.push_back(std::move(na));
      return;
    }
    ClientWorkload w1 = Base("W6.W1", it->second);
    w1.messages = s.Count(500'000, 20'000);
    Run(w1, context, results, err);
    ClientWorkload w2 = Base("W6.W2", it->second);
    w2.window = 64;
    w2.messages = s.Count(100'000, 5'000);
    Run(w2, context, results, err);
  } else if (id == "W7") {
    const std::vector<int> counts =
        s.small ? std::vector<int>{1, 64} : std::vector<int>{1, 64, 256, 1000};
    for (int topics : counts) {
      ClientWorkload w = Base("W7.topics=" + std::to_string(topics), async_broker);
      w.topic = "BenchW7x" + std::to_string(topics);
      w.topics = topics;
      w.messages = s.Count(300'000, 10'000);
      // W7 is W1 (which warms up for 1 s) spread over topics; 3 s, so that the warm-up
      // sends the first message of each of 8,000 queues even on a loaded machine and the
      // measured phase is the steady state, not consume-queue creation.
      w.warmup_s = s.small ? 0 : 3;
      Run(w, context, results, err);
    }
  }
}

}  // namespace quiver::tools::bench
