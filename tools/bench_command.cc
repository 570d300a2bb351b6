// `quiver bench`: dispatch of produce | consume | e2e | local | peers.

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "tools/bench.h"
#include "tools/cli_common.h"

namespace quiver::tools::bench {

namespace {

using internal::kExitFailed;
using internal::kExitOk;
using internal::kExitUsage;

constexpr char kUsage[] =
    "usage: quiver bench produce|consume|e2e (-n ADDR | -c CLIENT.toml) [flags] [--json]\n"
    "       quiver bench local [--workloads W1,W3,...] [--messages small|full] [--json]\n"
    "                          [--replication master-slave]\n"
    "       quiver bench peers [--workloads W1,W2,W3,W4] [--messages small|full] [--rounds N]\n"
    "                          [--json]\n"
    "Workloads and goals: docs/BENCHMARKS.md. Run a subcommand with --help for its flags.\n";

int PrintResults(const std::vector<BenchResult>& results, bool json, std::ostream& out) {
  if (json) {
    for (const BenchResult& r : results) out << ToJsonLine(r) << "\n";
  } else {
    PrintTable(results, out);
  }
  out.flush();
  for (const BenchResult& r : results) {
    if (r.errors > 0) return kExitFailed;
  }
  return kExitOk;
}

int RunClient(WorkloadKind kind, const std::vector<std::string>& args,
              const RuntimeFactory& factory, std::ostream& out, std::ostream& err,
              const std::atomic<bool>* interrupted) {
  ClientWorkload workload;
  ClientFlags flags;
  if (auto exit = ParseClientWorkload(kind, args, workload, flags, out, err)) return *exit;
  workload.interrupted = interrupted;
  internal::ConnectionFlags connection{flags.namesrv, flags.config};
  int exit_code = kExitOk;
  auto runtime = internal::MakeRuntime(connection, factory, err, exit_code);
  if (!runtime) return exit_code;
  std::vector<pid_t> pids(flags.server_pids.begin(), flags.server_pids.end());
  StatusOr<BenchResult> result = RunQuiverWorkload(workload, runtime, pids, err);
  if (!result.ok()) {
    err << "error: " << result.status().ToString() << "\n";
    return kExitFailed;
  }
  return PrintResults({*result}, flags.json, out);
}

// The i-th result of (workload, system) in run order (rounds repeat them).
std::vector<const BenchResult*> Find(const std::vector<BenchResult>& results,
                                     const std::string& workload, const std::string& system) {
  std::vector<const BenchResult*> found;
  for (const BenchResult& r : results) {
    if (r.workload == workload && r.system == system && r.msgs > 0) found.push_back(&r);
  }
  return found;
}

// The goals of docs/BENCHMARKS.md as ratios of this run's rows, per round.
void PrintRatios(const std::vector<BenchResult>& results, std::ostream& out) {
  using Metric = double (*)(const BenchResult&);
  const Metric rate = [](const BenchResult& r) { return r.MsgsPerSecond(); };
  const Metric mbps = [](const BenchResult& r) { return r.MegabytesPerSecond(); };
  const Metric p50 = [](const BenchResult& r) { return r.latency->Percentile(0.5) / 1e3; };
  const Metric p99 = [](const BenchResult& r) { return r.latency->Percentile(0.99) / 1e3; };
  const Metric cpu = [](const BenchResult& r) {
    return r.server_cpu_s >= 0 && r.msgs > 0 ? r.server_cpu_s / r.msgs : -1.0;
  };
  struct Goal {
    const char* text;
    const char* workload;
    const char* system;
    const char* base_workload;
    const char* base_system;
    Metric metric;
    double target;
    bool at_most;  // the ratio must stay below the target (latency, CPU)
  };
  const Goal goals[] = {
      {"W1 msgs/s vs NATS async publish", "W1", "quiver", "W1", "nats-jetstream", rate, 4, false},
      {"W1 server CPU/msg vs NATS", "W1", "quiver", "W1", "nats-jetstream", cpu, 0.25, true},
      {"W2 msgs/s vs Redis always, pipelined", "W2", "quiver", "W2", "redis-always", rate, 3,
       false},
      {"W2 1-in-flight p50 vs fdatasync p50", "W2.latency", "quiver", "limit.fdatasync_4k",
       "machine", p50, 1.3, true},
      {"W3 p50 vs NATS sync publish p50", "W3", "quiver", "W3", "nats-jetstream", p50, 0.5, true},
      {"W3 p99 vs NATS sync publish p99", "W3", "quiver", "W3", "nats-jetstream", p99, 0.5, true},
      {"W4 msgs/s vs Redis XREAD catch-up", "W4", "quiver", "W4", "redis-everysec", rate, 1, false},
      {"W5 MB/s vs loopback stream", "W5", "quiver", "limit.loopback_stream", "machine", mbps, 0.5,
       false},
      {"W6 sync-master vs standalone W1", "W6.W1", "quiver", "W1", "quiver", rate, 0.7, false},
      {"W7 1000 topics vs 1 topic", "W7.topics=1000", "quiver", "W7.topics=1", "quiver", rate, 0.8,
       false},
      {"W8 MB/s vs buffered seq write", "W8", "quiver", "limit.seq_write_1m", "machine", mbps, 0.8,
       false},
  };
  out << "\ngoal                                       ratio (per round)         target   met\n";
  for (const Goal& g : goals) {
    auto ours = Find(results, g.workload, g.system);
    auto base = Find(results, g.base_workload, g.base_system);
    const std::size_t n = std::min(ours.size(), base.size());
    char line[256];
    if (n == 0) {
      std::snprintf(line, sizeof line, "%-42s %-25s %s%-6.2f %s\n", g.text, "n/a",
                    g.at_most ? "<=" : ">=", g.target, "-");
      out << line;
      continue;
    }
    std::string ratios;
    bool met = true;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = g.metric(*ours[i]), b = g.metric(*base[i]);
      const double ratio = b > 0 && a >= 0 ? a / b : -1;
      char one[32];
      std::snprintf(one, sizeof one, "%s%.2f", i == 0 ? "" : ", ", ratio);
      ratios += one;
      met = met && ratio >= 0 && (g.at_most ? ratio <= g.target : ratio >= g.target);
    }
    std::snprintf(line, sizeof line, "%-42s %-25s %s%-6.2f %s\n", g.text, ratios.c_str(),
                  g.at_most ? "<=" : ">=", g.target, met ? "yes" : "no");
    out << line;
  }
}

// Flags shared by `local` and `peers`.
struct SuiteFlags {
  std::string workloads;
  std::string messages = "full";
  std::string replication;
  int rounds = 1;
  bool json = false;
  bool limits = true;
};

std::optional<int> ParseSuite(const std::string& name, const std::vector<std::string>& args,
                              SuiteFlags& flags, std::vector<std::string>& selected,
                              std::ostream& out, std::ostream& err) {
  CLI::App app{name == "local"
                   ? "quiver bench local: the standard workloads against a name server and "
                     "brokers started here (child `quiver start` processes, temp dir, loopback)"
                   : "quiver bench peers: the standard workloads on Quiver, NATS JetStream and "
                     "Redis Streams started here, rounds interleaved, with the machine limits",
               "quiver bench " + name};
  app.add_option("--workloads", flags.workloads,
                 "comma-separated subset of W1,W1b,W2,W3,W4,W5,W6,W7,W8 (all)");
  app.add_option("--messages", flags.messages,
                 "small (quick run) | full (the sizes of docs/BENCHMARKS.md) (full)")
      ->check(CLI::IsMember({"small", "full"}));
  if (name == "local") {
    app.add_option("--replication", flags.replication,
                   "master-slave: also a sync-master and its slave for W6")
        ->check(CLI::IsMember({"master-slave"}));
  } else {
    app.add_option("--rounds", flags.rounds, "interleaved rounds (1)")->check(CLI::Range(1, 20));
  }
  app.add_flag("--json", flags.json, "one JSON object per line instead of the table");
  if (auto exit = internal::Parse(app, args, out, err)) return exit;
  const std::vector<std::string> all = StandardWorkloads();
  if (flags.workloads.empty()) {
    selected = all;
    if (name == "peers") selected = {"W1", "W2", "W3", "W4", "W5", "W8"};
  } else {
    std::stringstream list(flags.workloads);
    std::string id;
    while (std::getline(list, id, ',')) {
      if (id.empty()) continue;
      if (std::find(all.begin(), all.end(), id) == all.end()) {
        err << "error: --workloads: unknown workload \"" << id
            << "\"; expected a comma-separated subset of W1,W1b,W2,W3,W4,W5,W6,W7,W8\n";
        return kExitUsage;
      }
      selected.push_back(id);
    }
    if (selected.empty()) {
      err << "error: --workloads is empty; expected e.g. W1,W3\n";
      return kExitUsage;
    }
  }
  return std::nullopt;
}

// Starts the brokers the selected workloads need and fills `context`.
Status StartQuiver(LocalCluster& cluster, const std::vector<std::string>& selected,
                   const SuiteFlags& flags, const RuntimeFactory& factory, StandardContext& context,
                   std::ostream& err) {
  QUIVER_RETURN_IF_ERROR(cluster.Start(err));
  client::ClientOptions options;
  options.namesrv_addresses = {cluster.namesrv()};
  QUIVER_ASSIGN_OR_RETURN(context.runtime, factory(options));
  auto needs = [&](const char* id) {
    return std::find(selected.begin(), selected.end(), id) != selected.end();
  };
  QUIVER_ASSIGN_OR_RETURN(LocalCluster::Broker async,
                          cluster.StartBroker("broker-async", "async", "async-master"));
  context.brokers["async"] = async.address;
  context.server_pids.push_back(async.pid);
  QUIVER_RETURN_IF_ERROR(cluster.WaitRegistered(async.name, context.runtime));
  if (needs("W2")) {
    QUIVER_ASSIGN_OR_RETURN(LocalCluster::Broker sync,
                            cluster.StartBroker("broker-sync", "sync", "async-master"));
    context.brokers["sync"] = sync.address;
    context.server_pids.push_back(sync.pid);
    QUIVER_RETURN_IF_ERROR(cluster.WaitRegistered(sync.name, context.runtime));
  }
  if (needs("W6") && flags.replication == "master-slave") {
    context.replication = true;
    std::string ha;
    StatusOr<LocalCluster::Broker> master =
        cluster.StartBroker("broker-repl", "async", "sync-master", 0, "", &ha);
    StatusOr<LocalCluster::Broker> slave =
        master.ok() ? cluster.StartBroker("broker-repl", "async", "slave", 1, ha)
                    : StatusOr<LocalCluster::Broker>(master.status());
    if (master.ok() && slave.ok() && cluster.WaitRegistered("broker-repl", context.runtime).ok()) {
      context.brokers["replicated"] = master->address;
      context.server_pids.push_back(master->pid);
      context.server_pids.push_back(slave->pid);
    } else {
      context.replication_note =
          "slave role pending: " + (master.ok() ? slave.status() : master.status()).ToString();
      err << "bench: W6 " << context.replication_note << "\n";
    }
  }
  return Status::Ok();
}

int RunSuite(const std::string& name, const std::vector<std::string>& args,
             const RuntimeFactory& factory, std::ostream& out, std::ostream& err,
             const std::atomic<bool>* interrupted) {
  SuiteFlags flags;
  std::vector<std::string> selected;
  if (auto exit = ParseSuite(name, args, flags, selected, out, err)) return *exit;
  const bool peers = name == "peers";
  if (peers && !PeersAvailable()) {
    err << "error: this quiver was built without the peers (libnats, hiredis): install "
           "libnats-dev and libhiredis-dev and reconfigure with -DQUIVER_BENCH_PEERS=ON\n";
    return kExitUsage;
  }
  StandardContext context;
  context.scale.small = flags.messages == "small";
  context.interrupted = interrupted;
  LocalCluster cluster;
  if (Status s = StartQuiver(cluster, selected, flags, factory, context, err); !s.ok()) {
    err << "error: starting the local cluster: " << s.ToString() << "\n";
    return kExitFailed;
  }
  std::shared_ptr<PeerSet> peer_set;
  if (peers) {
    StatusOr<std::shared_ptr<PeerSet>> started = StartPeers(cluster.dir(), err);
    if (!started.ok()) {
      err << "error: starting the peers: " << started.status().ToString() << "\n";
      return kExitFailed;
    }
    peer_set = *started;
  }
  std::vector<BenchResult> results;
  for (int round = 0; round < flags.rounds; ++round) {
    if (flags.rounds > 1) err << "bench: round " << round + 1 << "/" << flags.rounds << "\n";
    for (const std::string& id : selected) {
      // Ctrl-C: what ran is reported, the nodes are stopped and the temp dir removed.
      if (interrupted != nullptr && interrupted->load()) break;
      RunStandardWorkload(id, context, results, err);
      if (peer_set) RunPeerWorkload(id, *peer_set, context.scale, results, err);
      if (interrupted != nullptr && interrupted->load()) break;
      // The machine limit a goal is written against, measured right after its workload.
      const bool small = context.scale.small;
      if (id == "W2") results.push_back(MeasureFdatasync(cluster.dir(), small ? 1 : 5));
      if (id == "W5") results.push_back(MeasureLoopback(small ? 1 : 5));
      if (id == "W8") {
        results.push_back(MeasureSequentialWrite(cluster.dir(), small ? 64ull << 20 : 1ull << 30));
      }
    }
  }
  peer_set.reset();  // stops the peer servers
  context.runtime.reset();
  cluster.Stop();
  const int status = PrintResults(results, flags.json, out);
  if (!flags.json) PrintRatios(results, out);
  if (interrupted != nullptr && interrupted->load()) {
    err << "bench: interrupted; the results above are partial\n";
    return kExitFailed;
  }
  return status;
}

}  // namespace

int RunBench(const std::vector<std::string>& args, const RuntimeFactory& factory, std::ostream& out,
             std::ostream& err, const std::atomic<bool>* interrupted) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "produce") {
    return RunClient(WorkloadKind::kProduce, rest, factory, out, err, interrupted);
  }
  if (sub == "consume") {
    return RunClient(WorkloadKind::kConsume, rest, factory, out, err, interrupted);
  }
  if (sub == "e2e") return RunClient(WorkloadKind::kE2e, rest, factory, out, err, interrupted);
  if (sub == "local" || sub == "peers") return RunSuite(sub, rest, factory, out, err, interrupted);
  err << "error: unknown bench subcommand \"" << sub << "\"\n" << kUsage;
  return kExitUsage;
}

}  // namespace quiver::tools::bench

namespace quiver::tools {

int RunBench(const std::vector<std::string>& args, const RuntimeFactory& factory, std::ostream& out,
             std::ostream& err, const std::atomic<bool>* interrupted) {
  return bench::RunBench(args, factory, out, err, interrupted);
}

}  // namespace quiver::tools
