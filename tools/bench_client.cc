// `quiver bench produce|consume|e2e`: the Quiver client driver, its flags and the report.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <ostream>
#include <random>
#include <semaphore>
#include <sstream>
#include <thread>

#include "quiver/client/admin.h"
#include "quiver/client/producer.h"
#include "quiver/client/pull_consumer.h"
#include "tools/bench.h"
#include "tools/cli_common.h"

namespace quiver::tools::bench {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::uint64_t NowNs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
          .count());
}

// e2e bodies start with the send time: 20 decimal digits of steady-clock nanoseconds
// (CLOCK_MONOTONIC, shared by every process of the machine).
constexpr std::size_t kStampDigits = 20;

void StampBody(std::string& body, std::uint64_t ns) {
  char digits[kStampDigits + 1];
  std::snprintf(digits, sizeof digits, "%020" PRIu64, ns);
  std::copy(digits, digits + std::min(kStampDigits, body.size()), body.begin());
}

std::optional<std::uint64_t> ReadStamp(const std::string& body) {
  if (body.size() < kStampDigits) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kStampDigits; ++i) {
    const char c = body[i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string RandomBody(std::size_t size) {
  static constexpr char kPrintable[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937_64 random(42);
  std::string b(size, 'x');
  for (char& c : b) c = kPrintable[random() % (sizeof kPrintable - 1)];
  return b;
}

std::string TopicName(const ClientWorkload& w, int i) {
  return w.topics == 1 ? w.topic : w.topic + "-" + std::to_string(i);
}

// Creates the topics (8 queues each by default) and waits until their routes show them.
Status PrepareTopics(const ClientWorkload& w, const std::shared_ptr<client::ClientRuntime>& rt,
                     std::ostream& err) {
  client::Admin admin(rt);
  for (int i = 0; i < w.topics; ++i) {
    TopicConfig config;
    config.topic_name = TopicName(w, i);
    config.read_queue_nums = config.write_queue_nums = w.queues;
    if (!w.broker.empty()) {
      QUIVER_RETURN_IF_ERROR(admin.CreateOrUpdateTopic(w.broker, config));
    } else {
      QUIVER_ASSIGN_OR_RETURN(auto updated, admin.CreateOrUpdateTopicInCluster(w.cluster, config));
      (void)updated;
    }
  }
  // The broker re-registers at once; the route appears at the name server shortly after.
  const auto deadline = SteadyClock::now() + 30s;
  for (int i = 0; i < w.topics; ++i) {
    for (;;) {
      StatusOr<TopicRouteData> route = admin.GetTopicRoute(TopicName(w, i));
      if (route.ok() && !route->queue_datas.empty()) break;
      if (SteadyClock::now() > deadline) {
        return Status(StatusCode::kDeadlineExceeded,
                      "topic " + TopicName(w, i) + " has no route 30 s after its creation");
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  return Status::Ok();
}

// State shared by the producer threads, their callbacks and the progress thread.
struct RunState {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> budget{0};  // counted sends left (count-limited runs)
  bool limited_count = false;
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> acked_bytes{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> received_bytes{0};
  std::atomic<std::int64_t> in_flight{0};  // counted sends not yet completed
  std::atomic<std::uint64_t> last_receive_ns{0};
  std::atomic<std::uint64_t> measure_ns{UINT64_MAX};
  std::atomic<int> consumers_ready{0};
  std::mutex mu;
  std::condition_variable cv;
  Histogram* latency = nullptr;
  std::string first_error;

  std::uint64_t measure_start_ns() const { return measure_ns.load(); }
  void set_measure_start(std::uint64_t ns) { measure_ns.store(ns); }
  // True when `n` more counted messages may go (claims them).
  bool Claim(int n) {
    if (!limited_count) return true;
    return budget.fetch_sub(n, std::memory_order_relaxed) > 0;
  }
  void NoteError(const Status& s, std::uint64_t n = 1) {
    if (errors.fetch_add(n) == 0) {
      std::lock_guard lock(mu);
      first_error = s.ToString();
    }
  }
  void Done(std::int64_t n) {
    if (in_flight.fetch_sub(n) == n) {
      std::lock_guard lock(mu);
      cv.notify_all();
    }
  }
};

void ProducerLoop(const ClientWorkload& w, const std::shared_ptr<client::ClientRuntime>& rt,
                  int index, RunState& state) {
  client::Producer producer(
      rt, {.group = "QUIVER_BENCH_PRODUCER", .header_encoding = w.header_encoding});
  if (Status s = producer.Start(); !s.ok()) {
    state.NoteError(s);
    return;
  }
  // Resolve every route before the first send, so that a missing route fails the run at
  // once and the measured phase does not include the registry lookups.
  for (int t = 0; t < w.topics; ++t) {
    if (StatusOr<std::vector<client::MessageQueue>> q =
            producer.FetchPublishQueues(TopicName(w, t));
        !q.ok()) {
      state.NoteError(q.status());
      producer.Shutdown();
      return;
    }
  }
  const std::string body = RandomBody(w.size);
  const bool stamp = w.kind == WorkloadKind::kE2e;
  std::counting_semaphore<> window(std::max(1, w.window));
  const double per_producer_rate = w.rate > 0 ? w.rate / w.producers : 0;
  const auto start = SteadyClock::now();
  std::uint64_t sequence = 0;
  int topic_index = index % w.topics;
  auto next_topic = [&] {
    const std::string t = TopicName(w, topic_index);
    topic_index = (topic_index + 1) % w.topics;
    return t;
  };
  const int per_request = w.mode == SendMode::kBatch ? w.batch : 1;
  while (!state.stop.load(std::memory_order_relaxed)) {
    // Latency runs at a fixed rate measure from the intended send time (no coordinated
    // omission: a stall delays every later send and shows in their latency).
    std::uint64_t send_ns;
    if (per_producer_rate > 0) {
      const auto when = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(sequence / per_producer_rate));
      std::this_thread::sleep_until(when);
      send_ns = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count());
    } else {
      send_ns = NowNs();
    }
    sequence += per_request;
    const bool counted = state.measuring.load(std::memory_order_relaxed);
    if (counted && !state.Claim(per_request)) break;
    if (w.mode == SendMode::kAsync) window.acquire();
    if (counted) state.in_flight.fetch_add(per_request);
    auto complete = [&state, counted, send_ns, per_request, size = w.size](const Status& status) {
      if (!counted) return;
      if (status.ok()) {
        const std::uint64_t latency = NowNs() - send_ns;
        for (int i = 0; i < per_request; ++i) state.latency->Record(latency);
        state.acked.fetch_add(per_request, std::memory_order_relaxed);
        state.acked_bytes.fetch_add(per_request * size, std::memory_order_relaxed);
      } else {
        state.NoteError(status, per_request);
      }
      state.Done(per_request);
    };
    if (w.mode == SendMode::kBatch) {
      std::vector<client::Message> batch;
      batch.reserve(w.batch);
      const std::string topic = next_topic();
      for (int i = 0; i < w.batch; ++i) batch.emplace_back(topic, "", "", body);
      if (stamp) {
        for (auto& m : batch) StampBody(m.body, send_ns);
      }
      StatusOr<client::SendResult> r = producer.SendBatch(batch);
      complete(r.status());
    } else {
      client::Message m(next_topic(), "", "", body);
      if (stamp) StampBody(m.body, send_ns);
      if (w.mode == SendMode::kSync) {
        StatusOr<client::SendResult> r = producer.Send(m);
        complete(r.status());
      } else {
        producer.SendAsync(m, [complete, &window](StatusOr<client::SendResult> r) {
          complete(r.status());
          window.release();
        });
      }
    }
  }
  // Every async send completes exactly once (at the latest at its timeout): drain the
  // window before the producer (and `window`) go away.
  if (w.mode == SendMode::kAsync) {
    for (int i = 0; i < std::max(1, w.window); ++i) window.acquire();
  }
  producer.Shutdown();
}

void ConsumerLoop(const ClientWorkload& w, const std::shared_ptr<client::ClientRuntime>& rt,
                  const std::vector<client::MessageQueue>& queues, const std::string& group,
                  bool from_end, RunState& state) {
  client::PullConsumer consumer(rt, {.group = group,
                                     .consume_from_where = client::ConsumeFromWhere::kFirstOffset,
                                     .auto_commit = false,
                                     .pull_batch_size = w.pull_batch,
                                     .long_polling_suspend = 1s,
                                     // Room for two answers per queue.
                                     .pull_threshold_for_queue = 2 * w.pull_batch,
                                     .header_encoding = w.header_encoding});
  if (Status s = consumer.Assign(queues); !s.ok()) {
    state.NoteError(s);
    return;
  }
  if (Status s = consumer.Start(); !s.ok()) {
    state.NoteError(s);
    return;
  }
  if (from_end) {
    for (const auto& q : queues) consumer.SeekToEnd(q).IgnoreError();
  }
  state.consumers_ready.fetch_add(1);
  const bool e2e = w.kind == WorkloadKind::kE2e;
  while (!state.stop.load(std::memory_order_relaxed)) {
    StatusOr<std::vector<client::MessageExt>> batch = consumer.Poll(200ms);
    if (!batch.ok()) {
      state.NoteError(batch.status());
      std::this_thread::sleep_for(100ms);
      continue;
    }
    if (batch->empty()) continue;
    const std::uint64_t now = NowNs();
    std::uint64_t bytes = 0, counted = 0;
    for (const client::MessageExt& m : *batch) {
      if (e2e) {
        std::optional<std::uint64_t> sent = ReadStamp(m.body);
        if (!sent || *sent < state.measure_start_ns()) continue;  // warm-up or foreign
        state.latency->Record(now > *sent ? now - *sent : 0);
      }
      bytes += m.body.size();
      ++counted;
    }
    state.received.fetch_add(counted, std::memory_order_relaxed);
    state.received_bytes.fetch_add(bytes, std::memory_order_relaxed);
    state.last_receive_ns.store(now, std::memory_order_relaxed);
    std::lock_guard lock(state.mu);
    state.cv.notify_all();
  }
  consumer.Shutdown();
}

std::string FormatUs(std::uint64_t ns) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(ns < 10'000 ? 1 : 0) << ns / 1000.0 << " us";
  return s.str();
}

}  // namespace

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // Field 2 (comm) may hold spaces: count fields after its closing parenthesis.
  const auto paren = line.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(line.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

StatusOr<BenchResult> RunQuiverWorkload(const ClientWorkload& w,
                                        const std::shared_ptr<client::ClientRuntime>& rt,
                                        const std::vector<pid_t>& server_pids, std::ostream& err) {
  if (w.create_topics) QUIVER_RETURN_IF_ERROR(PrepareTopics(w, rt, err));
  BenchResult result;
  result.workload = w.name;
  RunState state;
  state.latency = result.latency.get();
  state.limited_count = w.messages > 0;
  state.budget = w.messages;
  const double duration = w.messages == 0 && w.duration_s == 0 ? 10.0 : w.duration_s;
  const bool produces = w.kind != WorkloadKind::kConsume;

  // Consumers: queues split among them (the pull consumer does not rebalance).
  std::vector<std::vector<client::MessageQueue>> assignment(std::max(1, w.consumers));
  const std::string group =
      !w.group.empty() ? w.group
                       : "QUIVER_BENCH_" + std::to_string(getpid()) + "_" + std::to_string(NowNs());
  if (w.kind != WorkloadKind::kProduce) {
    client::PullConsumer probe(rt, {.group = group});
    std::size_t next = 0;
    for (int t = 0; t < w.topics; ++t) {
      QUIVER_ASSIGN_OR_RETURN(std::vector<client::MessageQueue> queues,
                              probe.FetchMessageQueues(TopicName(w, t)));
      for (auto& q : queues) assignment[next++ % assignment.size()].push_back(std::move(q));
    }
  }
  std::vector<double> cpu_before;
  for (pid_t pid : server_pids) cpu_before.push_back(ProcessCpuSeconds(pid));

  std::vector<std::thread> consumers, producers;
  const bool e2e = w.kind == WorkloadKind::kE2e;
  if (w.kind != WorkloadKind::kProduce) {
    for (const auto& queues : assignment) {
      if (queues.empty()) continue;
      consumers.emplace_back(ConsumerLoop, std::cref(w), std::cref(rt), std::cref(queues),
                             std::cref(group), e2e, std::ref(state));
    }
  }
  // e2e: producers start once every consumer sits at the end of its queues, so that no
  // message is sent before a consumer's start position.
  if (e2e) {
    const auto ready_deadline = SteadyClock::now() + 30s;
    while (state.consumers_ready.load() < static_cast<int>(consumers.size()) &&
           SteadyClock::now() < ready_deadline) {
      std::this_thread::sleep_for(10ms);
    }
  }
  auto measure_start = SteadyClock::now();
  if (w.warmup_s <= 0 || !produces) {
    state.set_measure_start(NowNs());
    state.measuring = true;
  }
  if (produces) {
    for (int p = 0; p < w.producers; ++p) {
      producers.emplace_back(ProducerLoop, std::cref(w), std::cref(rt), p, std::ref(state));
    }
  }
  if (!state.measuring) {
    std::this_thread::sleep_for(std::chrono::duration<double>(w.warmup_s));
    measure_start = SteadyClock::now();
    state.set_measure_start(NowNs());
    state.measuring = true;
  }
  // The measured phase: progress every second until the count or the duration is reached.
  const auto deadline = duration > 0
                            ? measure_start + std::chrono::duration_cast<SteadyClock::duration>(
                                                  std::chrono::duration<double>(duration))
                            : SteadyClock::time_point::max();
  std::uint64_t last_count = 0;
  auto last_tick = measure_start;
  auto last_progress_count = SteadyClock::now();
  std::uint64_t idle_reference = 0;
  for (;;) {
    const auto now = SteadyClock::now();
    const std::uint64_t done = produces && !e2e ? state.acked.load() : state.received.load();
    const bool sent_all =
        state.limited_count && state.budget.load() <= 0 && state.in_flight.load() == 0;
    if (!produces && state.limited_count && done >= static_cast<std::uint64_t>(w.messages)) break;
    if (produces && !e2e && sent_all) break;
    if (e2e && sent_all && done >= state.acked.load()) break;
    if (now >= deadline) break;
    if (w.interrupted != nullptr && w.interrupted->load()) break;
    if (done != idle_reference) {
      idle_reference = done;
      last_progress_count = now;
    } else if (!produces || sent_all) {
      if (now - last_progress_count > std::chrono::duration<double>(w.idle_timeout_s)) break;
    }
    if (now - last_tick >= 1s) {
      const double rate =
          (done - last_count) / std::chrono::duration<double>(now - last_tick).count();
      if (w.progress) {
        err << "[" << w.name << "] " << static_cast<std::uint64_t>(rate) << " msg/s, total " << done
            << ", p99 " << FormatUs(state.latency->Percentile(0.99)) << ", errors "
            << state.errors.load() << "\n";
      }
      last_count = done;
      last_tick = now;
    }
    std::unique_lock lock(state.mu);
    state.cv.wait_for(lock, 50ms);
  }
  state.stop = true;
  for (auto& t : producers) t.join();
  // Duration-limited runs: what was in flight when the time was up completes (and counts).
  if (e2e) {
    const auto drain = SteadyClock::now() + 5s;
    while (state.received.load() < state.acked.load() && SteadyClock::now() < drain) {
      std::this_thread::sleep_for(10ms);
    }
  }
  const auto end = SteadyClock::now();
  for (auto& t : consumers) t.join();

  result.seconds = std::chrono::duration<double>(end - measure_start).count();
  if (e2e || !produces) {
    result.msgs = state.received.load();
    result.bytes = state.received_bytes.load();
    // e2e: the end is the last receive, not when the idle wait gave up.
    const std::uint64_t last = state.last_receive_ns.load();
    if (last > state.measure_start_ns()) {
      result.seconds = (last - state.measure_start_ns()) / 1e9;
    }
  } else {
    result.msgs = state.acked.load();
    result.bytes = state.acked_bytes.load();
  }
  result.errors = state.errors.load();
  if (!produces && state.limited_count && result.msgs < static_cast<std::uint64_t>(w.messages)) {
    // A catch-up that stalled: the messages never read count as failures.
    result.errors += static_cast<std::uint64_t>(w.messages) - result.msgs;
    result.note = "stalled: " + std::to_string(result.msgs) + " of " + std::to_string(w.messages) +
                  " read before " + std::to_string(static_cast<int>(w.idle_timeout_s)) +
                  " s without a message";
    err << "[" << w.name << "] " << result.note << "\n";
  }
  if (!server_pids.empty()) {
    double cpu = 0;
    for (std::size_t i = 0; i < server_pids.size(); ++i) {
      const double after = ProcessCpuSeconds(server_pids[i]);
      if (after >= 0 && cpu_before[i] >= 0) cpu += after - cpu_before[i];
    }
    result.server_cpu_s = cpu;
  }
  if (result.errors > 0 && !state.first_error.empty()) {
    std::lock_guard lock(state.mu);
    err << "[" << w.name << "] " << result.errors << " errors; first: " << state.first_error
        << "\n";
  }
  return result;
}

std::string ToJsonLine(const BenchResult& r) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3);
  auto us = [&](double q) { return r.latency->Percentile(q) / 1000.0; };
  s << "{\"workload\":\"" << r.workload << "\",\"system\":\"" << r.system
    << "\",\"msgs\":" << r.msgs << ",\"bytes\":" << r.bytes << ",\"seconds\":" << r.seconds
    << ",\"msgs_per_s\":" << r.MsgsPerSecond() << ",\"mb_per_s\":" << r.MegabytesPerSecond()
    << ",\"p50_us\":" << us(0.5) << ",\"p90_us\":" << us(0.9) << ",\"p99_us\":" << us(0.99)
    << ",\"p999_us\":" << us(0.999) << ",\"max_us\":" << r.latency->Max() / 1000.0
    << ",\"errors\":" << r.errors << ",\"server_cpu_s\":";
  if (r.server_cpu_s >= 0) {
    s << r.server_cpu_s;
  } else {
    s << "null";
  }
  s << ",\"note\":\"" << r.note << "\"}";
  return s.str();
}

void PrintTable(const std::vector<BenchResult>& results, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line, "%-22s %-18s %10s %10s %9s %9s %9s %9s %9s %9s %6s %9s\n",
                "workload", "system", "msgs", "msgs/s", "MB/s", "p50 us", "p90 us", "p99 us",
                "p99.9 us", "max us", "errors", "cpu us/msg");
  out << line;
  for (const BenchResult& r : results) {
    if (!r.note.empty() && r.msgs == 0) {
      std::snprintf(line, sizeof line, "%-22s %-18s %s\n", r.workload.c_str(), r.system.c_str(),
                    r.note.c_str());
      out << line;
      continue;
    }
    auto us = [&](double q) { return r.latency->Percentile(q) / 1000.0; };
    char cpu[32] = "-";
    if (r.server_cpu_s >= 0 && r.msgs > 0) {
      std::snprintf(cpu, sizeof cpu, "%.2f", r.server_cpu_s * 1e6 / r.msgs);
    }
    std::snprintf(line, sizeof line,
                  "%-22s %-18s %10llu %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %6llu %9s\n",
                  r.workload.c_str(), r.system.c_str(), static_cast<unsigned long long>(r.msgs),
                  r.MsgsPerSecond(), r.MegabytesPerSecond(), us(0.5), us(0.9), us(0.99), us(0.999),
                  r.latency->Max() / 1000.0, static_cast<unsigned long long>(r.errors), cpu);
    out << line;
    if (!r.note.empty()) out << "    note: " << r.note << "\n";
  }
}

std::optional<int> ParseClientWorkload(WorkloadKind kind, const std::vector<std::string>& args,
                                       ClientWorkload& w, ClientFlags& flags, std::ostream& out,
                                       std::ostream& err) {
  static const char* kNames[] = {"produce", "consume", "e2e"};
  w.kind = kind;
  w.name = kNames[static_cast<int>(kind)];
  CLI::App app{
      std::string("quiver bench ") + w.name + ": " +
          (kind == WorkloadKind::kProduce   ? "publish and measure send->ack"
           : kind == WorkloadKind::kConsume ? "read a topic from offset 0 (catch-up)"
                                            : "publish and consume, measure send->receive"),
      std::string("quiver bench ") + w.name};
  auto* n = app.add_option("-n,--namesrvAddr", flags.namesrv, "name server addresses \"a:p;b:p\"");
  auto* c = app.add_option("-c,--config", flags.config, "client TOML file (any registry)");
  n->excludes(c);
  std::string mode = "async";
  app.add_option("-t,--topic", w.topic, "topic (BenchTopic); with --topics N: TOPIC-0..N-1");
  app.add_option("--topics", w.topics, "number of topics (1)")->check(CLI::Range(1, 100000));
  app.add_option("--queues", w.queues, "queues per topic when creating it (8)")
      ->check(CLI::Range(1, 1024));
  app.add_option("-s,--size", w.size, "payload bytes (1024)")->check(CLI::Range(1, 4 << 20));
  app.add_option("-p,--producers", w.producers, "producer threads (1)")->check(CLI::Range(1, 256));
  app.add_option("--consumers", w.consumers, "consumer threads (1)")->check(CLI::Range(1, 256));
  app.add_option("--mode", mode, "sync | async | batch (async)")
      ->check(CLI::IsMember({"sync", "async", "batch"}));
  app.add_option("--window", w.window, "async: messages in flight per producer (1000)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--batch", w.batch, "batch: messages per request (32)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--rate", w.rate, "messages/s over all producers; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber);
  auto* duration = app.add_option("-d,--duration", w.duration_s, "seconds to measure")
                       ->check(CLI::NonNegativeNumber);
  auto* messages = app.add_option("-m,--messages", w.messages, "messages to measure")
                       ->check(CLI::NonNegativeNumber);
  duration->excludes(messages);
  app.add_option("--warmup", w.warmup_s, "seconds of unmeasured traffic first (0)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("!--no-create", w.create_topics, "do not create the topics (they exist)");
  app.add_option("--cluster", w.cluster, "cluster to create the topics in (DefaultCluster)");
  app.add_option("--broker", w.broker, "create the topics on this broker address only");
  app.add_option("-g,--group", w.group, "consumer group (a fresh one per run)");
  app.add_option("--pull-batch", w.pull_batch,
                 "messages per pull request (32; the broker caps it at max_transfer_count)")
      ->check(CLI::Range(1, 65536));
  std::string header = "binary";
  app.add_option("--header", header, "request header encoding: binary | json (binary)")
      ->check(CLI::IsMember({"binary", "json"}));
  app.add_option("--idle-timeout", w.idle_timeout_s,
                 "consume/e2e: stop after SECONDS without a message (10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--server-pid", flags.server_pids,
                 "PID of a local server process: report its CPU time (repeatable)");
  app.add_flag("--json", flags.json, "one JSON object per line instead of the table");
  if (auto exit = internal::Parse(app, args, out, err)) return exit;
  w.mode = mode == "sync" ? SendMode::kSync : mode == "batch" ? SendMode::kBatch : SendMode::kAsync;
  w.header_encoding =
      header == "json" ? client::HeaderEncoding::kJson : client::HeaderEncoding::kBinary;
  if (flags.namesrv.empty() && flags.config.empty()) {
    err << "error: give the name servers with -n \"ADDR[;ADDR]\" or a client file with -c "
           "CLIENT.toml (see --help)\n";
    return internal::kExitUsage;
  }
  if (kind == WorkloadKind::kConsume) w.create_topics = false;
  return std::nullopt;
}

}  // namespace quiver::tools::bench
