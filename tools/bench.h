#pragma once
// Internal to tools/: `quiver bench` (issue 9; docs/BENCHMARKS.md defines the workloads).
//
//   quiver bench produce|consume|e2e (-n ADDR | -c CLIENT.toml) [workload flags] [--json]
//   quiver bench local [--workloads W1,W3,...] [--messages small|full] [--json]
//   quiver bench peers [--workloads ...] [--messages small|full] [--rounds N] [--json]
//
// Pieces: options parsing (ParseClientWorkload), the Quiver client driver
// (RunQuiverWorkload), the local cluster (LocalCluster), machine limits and the peers
// (bench_peers.cc), and reporting (one JSON object per line, or a table).
// Threading: every Run* function blocks the calling thread; the progress line is printed
// by a helper thread every second to `err`.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "tools/bench_histogram.h"
#include "tools/client_commands.h"

namespace quiver::tools::bench {

enum class WorkloadKind { kProduce, kConsume, kE2e };
enum class SendMode { kSync, kAsync, kBatch };

// One client workload against a running cluster.
struct ClientWorkload {
  std::string name = "produce";  // reported as `workload`
  WorkloadKind kind = WorkloadKind::kProduce;
  std::string topic = "BenchTopic";
  int topics = 1;  // > 1: TOPIC-0 ... TOPIC-(N-1), messages spread round robin
  int queues = 8;
  std::size_t size = 1024;
  int producers = 1;
  int consumers = 1;
  SendMode mode = SendMode::kAsync;
  int window = 1000;  // async: messages in flight per producer
  int batch = 32;     // batch: messages per SEND_BATCH_MESSAGE
  double rate = 0;    // messages/s over all producers; 0 = as fast as possible
  double duration_s = 0;
  std::int64_t messages = 0;  // 0 with duration 0: 10 s
  double warmup_s = 0;
  bool create_topics = true;
  std::string cluster = "DefaultCluster";
  std::string broker;  // create the topics on this broker only ("" = the whole cluster)
  std::string group;   // consumer group ("" = a fresh one per run)
  int pull_batch = 32;
  // Header encoding of the hot-path requests (sends, pulls).
  client::HeaderEncoding header_encoding = client::HeaderEncoding::kBinary;
  double idle_timeout_s = 10;  // consume/e2e: give up after this long without a message
  bool progress = true;
  // Polled once per progress tick (may be null): set by SIGINT/SIGTERM to end the run early.
  const std::atomic<bool>* interrupted = nullptr;
};

// The outcome of one workload on one system.
struct BenchResult {
  std::string workload;
  std::string system = "quiver";
  std::uint64_t msgs = 0;   // acknowledged (produce) or received (consume, e2e)
  std::uint64_t bytes = 0;  // payload bytes of those
  double seconds = 0;
  std::uint64_t errors = 0;
  std::shared_ptr<Histogram> latency = std::make_shared<Histogram>();  // nanoseconds
  double server_cpu_s = -1;  // < 0: not measured (server not local)
  std::string note;          // "n/a (...)" rows carry why

  double MsgsPerSecond() const { return seconds > 0 ? msgs / seconds : 0; }
  double MegabytesPerSecond() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
};

// Parses the flags of `quiver bench produce|consume|e2e` (the words after the
// subcommand). Returns the exit status to stop with (help 0, usage error 2 with one line
// on `err`) or nullopt; fills `workload`, `flags` and `json`.
struct ClientFlags {
  std::string namesrv;
  std::string config;
  std::vector<int> server_pids;
  bool json = false;
};
std::optional<int> ParseClientWorkload(WorkloadKind kind, const std::vector<std::string>& args,
                                       ClientWorkload& workload, ClientFlags& flags,
                                       std::ostream& out, std::ostream& err);

// Runs one workload. Topic creation failures and client start failures are returned as a
// Status; per-message failures are counted in `errors`.
StatusOr<BenchResult> RunQuiverWorkload(const ClientWorkload& workload,
                                        const std::shared_ptr<client::ClientRuntime>& runtime,
                                        const std::vector<pid_t>& server_pids, std::ostream& err);

// CPU time (user + system) of a process so far, in seconds; -1 when unreadable.
double ProcessCpuSeconds(pid_t pid);

// {"workload":...,"system":...,"msgs":...} on one line (no trailing newline).
std::string ToJsonLine(const BenchResult& result);
// Fixed-width table of results, one row each.
void PrintTable(const std::vector<BenchResult>& results, std::ostream& out);

// A name server and brokers run as `quiver start` children of this process (the same
// binary) in a temp dir on loopback, free ports; stopped by PID (SIGTERM, then SIGKILL
// after 10 s) in Stop() or the destructor, and killed with this process (PDEATHSIG).
class LocalCluster {
 public:
  struct Broker {
    std::string name;
    std::string address;
    pid_t pid = -1;
  };
  LocalCluster() = default;
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  ~LocalCluster();

  // Creates the temp dir and starts the name server.
  Status Start(std::ostream& err);
  // Starts a master broker `name` with storage flush "async" or "sync"; `replication_role`
  // async-master | sync-master; for a slave pass its master's HA address in `master_ha`.
  StatusOr<Broker> StartBroker(const std::string& name, const std::string& flush,
                               const std::string& replication_role, int broker_id = 0,
                               const std::string& master_ha = "", std::string* ha_listen = nullptr);
  // Waits until `name` is in the name server's cluster info (deadline 30 s).
  Status WaitRegistered(const std::string& name,
                        const std::shared_ptr<client::ClientRuntime>& runtime);
  void Stop();

  std::string namesrv() const { return "127.0.0.1:" + std::to_string(ns_port_); }
  pid_t namesrv_pid() const { return ns_pid_; }
  const std::string& dir() const { return dir_; }
  // The tail of a node's log (for error messages).
  std::string LogTail(const std::string& node) const;

 private:
  StatusOr<pid_t> Launch(const std::string& node, const std::string& config_text);

  std::string dir_;
  int ns_port_ = 0;
  pid_t ns_pid_ = -1;
  std::vector<pid_t> pids_;
};

int FreePort();
// Starts `argv` as a child (stdout/stderr to `log`, dies with this process).
StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log);
// SIGTERM, wait up to `grace_ms`, then SIGKILL; always reaps.
void StopProcess(pid_t pid, int grace_ms = 10000);
// True when something accepts on 127.0.0.1:port within `deadline_ms`.
bool WaitListening(int port, int deadline_ms);

// `--messages small|full`: standard sizes of the workloads (docs/BENCHMARKS.md).
struct Scale {
  bool small = false;
  std::int64_t Count(std::int64_t full, std::int64_t small_count) const {
    return small ? small_count : full;
  }
};

// The standard workloads W1... for a Quiver cluster built by `local`/`peers`.
// `brokers`: broker name -> address of the async-flush master "async", the sync-flush one
// "sync", the sync-master "replicated".
struct StandardContext {
  Scale scale;
  std::map<std::string, std::string> brokers;
  std::vector<pid_t> server_pids;
  std::shared_ptr<client::ClientRuntime> runtime;
  bool replication = false;      // --replication master-slave given
  std::string replication_note;  // why W6 is n/a, when it is
  const std::atomic<bool>* interrupted = nullptr;
};
// The names of the standard workloads in order; `selected` empty = all.
std::vector<std::string> StandardWorkloads();
// Runs standard workload `id` (W1, W1b, W2, W3, W4, W5, W6, W7, W8) and appends its rows
// (several for W2, W6 and W7).
void RunStandardWorkload(const std::string& id, StandardContext& context,
                         std::vector<BenchResult>& results, std::ostream& err);

// Machine limits measured in-process: fdatasync of 4 KiB appends (latency histogram),
// buffered sequential 1 MiB writes ending with fdatasync (MB/s), one loopback TCP stream.
BenchResult MeasureFdatasync(const std::string& dir, double seconds);
BenchResult MeasureSequentialWrite(const std::string& dir, std::uint64_t bytes);
BenchResult MeasureLoopback(double seconds);

// Peers (bench_peers.cc; only when built with QUIVER_BENCH_PEERS).
bool PeersAvailable();
struct PeerSet;
// Starts nats-server -js and two redis-servers (appendfsync everysec and always) in `dir`.
StatusOr<std::shared_ptr<PeerSet>> StartPeers(const std::string& dir, std::ostream& err);
// Runs the peer equivalents of standard workload `id`; appends rows (none when the peer
// has no equivalent).
void RunPeerWorkload(const std::string& id, PeerSet& peers, const Scale& scale,
                     std::vector<BenchResult>& results, std::ostream& err);

int RunBench(const std::vector<std::string>& args, const RuntimeFactory& factory, std::ostream& out,
             std::ostream& err, const std::atomic<bool>* interrupted);

}  // namespace quiver::tools::bench
