#include "zookeeper_fixture.h"

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
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

#include "process_util.h"

namespace quiver::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kJava = "/usr/bin/java";
const char* const kJar = "/usr/share/java/zookeeper.jar";
// Optional: without a binding the server logs nothing (SLF4J NOP).
const char* const kLogBinding = "/usr/share/java/slf4j-simple.jar";

}  // namespace

std::string ZooKeeperMode(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, "srvr", 4, MSG_NOSIGNAL) == 4) {
    const auto end = Clock::now() + std::chrono::seconds(2);
    char buffer[4096];
    while (Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  const std::size_t at = reply.find("Mode: ");
  if (at == std::string::npos) return "";
  const std::size_t end = reply.find('\n', at);
  return reply.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

Status ZooKeeperServers::Available() {
  if (access(kJava, X_OK) != 0 || access(kJar, R_OK) != 0) {
    return FailedPreconditionError(std::string("ZooKeeper tests need ") + kJava + " and " + kJar +
                                   ": install the Debian package `zookeeper` (scripts/setup)");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<ZooKeeperServers>> ZooKeeperServers::Start(
    const fs::path& dir, int count, std::chrono::milliseconds tick,
    std::chrono::milliseconds deadline) {
  QUIVER_RETURN_IF_ERROR(Available());
  std::unique_ptr<ZooKeeperServers> servers(new ZooKeeperServers());
  struct Ports {
    int client, quorum, election;
  };
  std::vector<Ports> ports;
  for (int i = 0; i < count; ++i) {
    ports.push_back({FreeLoopbackPort(), FreeLoopbackPort(), FreeLoopbackPort()});
  }
  for (int i = 0; i < count; ++i) {
    Server server;
    const fs::path home = dir / ("zk" + std::to_string(i + 1));
    fs::create_directories(home / "data");
    server.client_port = ports[i].client;
    server.config = home / "zoo.cfg";
    server.log = home / "server.log";
    std::ofstream out(server.config);
    // Java-properties syntax: no comments after values.
    out << "tickTime=" << tick.count() << "\ninitLimit=10\nsyncLimit=5\n"
        << "dataDir=" << (home / "data").string() << "\nclientPort=" << ports[i].client
        << "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
        << "4lw.commands.whitelist=ruok,srvr,stat,mntr,conf\nmaxClientCnxns=0\n"
        << "forceSync=no\n";
    if (count > 1) {
      for (int j = 0; j < count; ++j) {
        out << "server." << j + 1 << "=127.0.0.1:" << ports[j].quorum << ":" << ports[j].election
            << "\n";
      }
      std::ofstream(home / "data" / "myid") << i + 1 << "\n";
    }
    servers->servers_.push_back(server);
  }
  for (Server& server : servers->servers_) QUIVER_RETURN_IF_ERROR(servers->Launch(server));
  for (int i = 0; i < count; ++i) {
    if (!servers->WaitServing(i, deadline)) {
      return UnavailableError("ZooKeeper server " + std::to_string(i + 1) + " not serving after " +
                              std::to_string(deadline.count()) + " ms; log:\n" + servers->Tail(i));
    }
  }
  return servers;
}

ZooKeeperServers::~ZooKeeperServers() {
  for (int i = 0; i < size(); ++i) Kill(i);
}

Status ZooKeeperServers::Launch(Server& server) {
  // Everything the child needs is prepared before fork(): the test process has threads.
  std::string classpath = kJar;
  if (access(kLogBinding, R_OK) == 0) classpath += std::string(":") + kLogBinding;
  const std::vector<std::string> argv{kJava,
                                      "-Xmx128m",
                                      "-XX:+UseSerialGC",
                                      "-XX:TieredStopAtLevel=1",
                                      "-Dzookeeper.admin.enableServer=false",
                                      "-cp",
                                      classpath,
                                      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                      server.config.string()};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = open(server.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) {
    return InternalError("cannot open " + server.log.string() + ": " + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return InternalError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
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
  server.pid = pid;
  return Status::Ok();
}

std::string ZooKeeperServers::ConnectString() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i ? "," : "") + Address(i);
  return out;
}

std::string ZooKeeperServers::Address(int i) const {
  return "127.0.0.1:" + std::to_string(servers_[i].client_port);
}

void ZooKeeperServers::Kill(int i) {
  Server& s = servers_[i];
  if (s.pid <= 0) return;
  kill(s.pid, SIGKILL);
  waitpid(s.pid, nullptr, 0);
  s.pid = -1;
}

void ZooKeeperServers::Stop(int i, std::chrono::milliseconds deadline) {
  Server& s = servers_[i];
  if (s.pid <= 0) return;
  kill(s.pid, SIGTERM);
  if (!WaitExit(s.pid, deadline)) {
    kill(s.pid, SIGKILL);
    waitpid(s.pid, nullptr, 0);
  }
  s.pid = -1;
}

Status ZooKeeperServers::Restart(int i, std::chrono::milliseconds deadline) {
  if (Running(i)) return FailedPreconditionError("ZooKeeper server still running");
  QUIVER_RETURN_IF_ERROR(Launch(servers_[i]));
  if (!WaitServing(i, deadline)) {
    return UnavailableError("ZooKeeper server " + std::to_string(i + 1) +
                            " not serving after restart; log:\n" + Tail(i));
  }
  return Status::Ok();
}

std::string ZooKeeperServers::Mode(int i) const {
  return Running(i) ? ZooKeeperMode(servers_[i].client_port) : "";
}

int ZooKeeperServers::Leader() const {
  for (int i = 0; i < size(); ++i) {
    const std::string mode = Mode(i);
    if (mode == "leader" || mode == "standalone") return i;
  }
  return -1;
}

bool ZooKeeperServers::WaitServing(int i, std::chrono::milliseconds deadline) {
  const auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    Server& s = servers_[i];
    int status = 0;
    if (s.pid <= 0) return false;
    if (waitpid(s.pid, &status, WNOHANG) == s.pid) {
      s.pid = -1;
      return false;
    }
    if (!Mode(i).empty()) return true;
    // A JVM takes seconds to start; nothing notifies readiness but the port.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string ZooKeeperServers::Tail(int i) const {
  std::ifstream in(servers_[i].log);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::string out;
  for (std::size_t k = lines.size() > 30 ? lines.size() - 30 : 0; k < lines.size(); ++k) {
    out += lines[k] + "\n";
  }
  return out;
}

}  // namespace quiver::testing
