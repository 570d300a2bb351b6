// Loopback benchmarks of the tcp transport (docs/BENCHMARKS.md, "Transport (tcp)").
//   quiver_tcp_bench --benchmark_min_time=2
// BM_RoundTrip1KiB: one synchronous 1 KiB echo at a time; p50/p99 latency as counters.
// BM_Throughput/N: 1 KiB echoes with N requests kept in flight; requests per second.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"
#include "tcp_client.h"
#include "tcp_server.h"

namespace quiver::transport::tcp {
namespace {

constexpr std::int32_t kEcho = 1;
constexpr std::size_t kBodySize = 1024;

struct Loopback {
  Loopback()
      : server(TcpConfig{}, std::make_shared<spdlog::logger>("bench")),
        client(TcpConfig{}, std::make_shared<spdlog::logger>("bench")) {
    server.RegisterHandler(kEcho,
                           [](const ConnectionPtr&, RemotingCommand request, Responder responder) {
                             RemotingCommand response;
                             response.code = protocol::response_code::kSuccess;
                             response.body = std::move(request.body);
                             responder.Send(std::move(response));
                           });
    Status status = server.Start("127.0.0.1:0");
    if (!status.ok()) {
      std::fprintf(stderr, "cannot start the server: %s\n", status.ToString().c_str());
      std::abort();
    }
    address = server.LocalAddress();
  }
  TcpServer server;
  TcpClient client;
  std::string address;
  Buffer body = Buffer::FromString(std::string(kBodySize, 'q'));
};

Loopback& Shared() {
  static Loopback* loopback = new Loopback();  // lives until exit: no teardown order issues
  return *loopback;
}

RemotingCommand EchoRequest(const Loopback& lb) {
  RemotingCommand request;
  request.code = kEcho;
  request.body = BufferList(lb.body);
  return request;
}

void BM_RoundTrip1KiB(benchmark::State& state) {
  Loopback& lb = Shared();
  std::vector<double> micros;
  micros.reserve(1 << 16);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    StatusOr<RemotingCommand> response =
        lb.client.InvokeSync(lb.address, EchoRequest(lb), std::chrono::seconds(5));
    const auto end = std::chrono::steady_clock::now();
    if (!response.ok() || response->body.size() != kBodySize) {
      state.SkipWithError("echo failed");
      return;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<std::size_t>(q * (micros.size() - 1))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(micros.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RoundTrip1KiB)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Keeps `window` requests in flight until `total` have completed; refills from callbacks.
class Pipeline {
 public:
  Pipeline(Loopback& lb, int window, int total) : lb_(lb), window_(window), total_(total) {}

  // Returns false when a request failed.
  bool Run() {
    for (int i = 0; i < std::min(window_, total_); ++i) IssueOne();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return completed_ == total_; });
    return !failed_;
  }

 private:
  void IssueOne() {
    if (issued_.fetch_add(1) >= total_) return;
    lb_.client.InvokeAsync(lb_.address, EchoRequest(lb_), std::chrono::seconds(10),
                           [this](StatusOr<RemotingCommand> response) {
                             if (!response.ok()) failed_ = true;
                             IssueOne();
                             std::lock_guard lock(mu_);
                             if (++completed_ == total_) cv_.notify_all();
                           });
  }

  Loopback& lb_;
  const int window_;
  const int total_;
  std::atomic<int> issued_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  int completed_ = 0;
};

void BM_Throughput(benchmark::State& state) {
  Loopback& lb = Shared();
  const int window = static_cast<int>(state.range(0));
  const int batch = std::max(256, window * 16);
  std::int64_t done = 0;
  for (auto _ : state) {
    Pipeline pipeline(lb, window, batch);
    if (!pipeline.Run()) {
      state.SkipWithError("a request failed");
      return;
    }
    done += batch;
  }
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(done * static_cast<std::int64_t>(kBodySize) * 2);  // both directions
}
BENCHMARK(BM_Throughput)->Arg(1)->Arg(16)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quiver::transport::tcp

BENCHMARK_MAIN();
