// Unit tests of `quiver bench`: the histogram, the flags, the JSON line, the machine-limit
// probes' bookkeeping.

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tools/bench.h"
#include "tools/bench_histogram.h"

namespace quiver::tools::bench {
namespace {

TEST(BenchHistogramTest, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Percentile(0.5), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
}

TEST(BenchHistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 128; ++v) h.Record(v);
  EXPECT_EQ(h.Count(), 128u);
  EXPECT_EQ(h.Percentile(0.5), 63u);  // the 64th smallest of 0..127
  EXPECT_EQ(h.Percentile(1.0), 127u);
  EXPECT_EQ(h.Percentile(0.0), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 127u);
}

TEST(BenchHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlaps) {
  EXPECT_EQ(Histogram::BucketLow(0), 0u);
  for (std::size_t b = 1; b < Histogram::kBucketCount; ++b) {
    ASSERT_EQ(Histogram::BucketLow(b), Histogram::BucketHigh(b - 1) + 1) << "bucket " << b;
  }
  EXPECT_EQ(Histogram::BucketHigh(Histogram::kBucketCount - 1), UINT64_MAX);
  EXPECT_EQ(Histogram::BucketOf(UINT64_MAX), Histogram::kBucketCount - 1);
}

TEST(BenchHistogramTest, EveryValueFallsInsideItsBucketWithinOnePart64) {
  for (std::uint64_t v : std::vector<std::uint64_t>{128, 129, 255, 256, 1000, 123456, 999'999'999,
                                                    (1ull << 40) + 12345, UINT64_MAX / 3}) {
    const std::size_t b = Histogram::BucketOf(v);
    EXPECT_LE(Histogram::BucketLow(b), v);
    EXPECT_GE(Histogram::BucketHigh(b), v);
    // The bucket's width is at most 1/64 of its low end: relative error of the midpoint
    // below 1/128.
    EXPECT_LE(Histogram::BucketHigh(b) - Histogram::BucketLow(b), Histogram::BucketLow(b) / 64);
  }
}

TEST(BenchHistogramTest, PercentilesOfAUniformRangeAreWithinOnePercent) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v) h.Record(v * 1000);  // 1 us .. 100 ms
  auto near = [](double got, double want) { return std::abs(got - want) <= want * 0.01; };
  EXPECT_TRUE(near(h.Percentile(0.5), 50'000'000.0)) << h.Percentile(0.5);
  EXPECT_TRUE(near(h.Percentile(0.9), 90'000'000.0)) << h.Percentile(0.9);
  EXPECT_TRUE(near(h.Percentile(0.99), 99'000'000.0)) << h.Percentile(0.99);
  EXPECT_TRUE(near(h.Percentile(0.999), 99'900'000.0)) << h.Percentile(0.999);
  EXPECT_EQ(h.Max(), 100'000'000u);
  EXPECT_EQ(h.Percentile(1.0), 100'000'000u);  // clamped to the max, not the bucket's middle
  EXPECT_NEAR(h.Mean(), 50'000'500.0, 1.0);
}

TEST(BenchHistogramTest, ATailIsSeenByHighPercentilesOnly) {
  Histogram h;
  for (int i = 0; i < 990; ++i) h.Record(100'000);    // 100 us
  for (int i = 0; i < 10; ++i) h.Record(50'000'000);  // 50 ms
  EXPECT_NEAR(h.Percentile(0.5), 100'000.0, 1'000.0);
  EXPECT_NEAR(h.Percentile(0.99), 100'000.0, 1'000.0);
  EXPECT_NEAR(h.Percentile(0.999), 50'000'000.0, 500'000.0);
}

TEST(BenchHistogramTest, MergeAddsCountsAndKeepsExtremes) {
  Histogram a, b;
  a.Record(10);
  a.Record(2'000);
  b.Record(5);
  b.Record(1'000'000);
  a.Merge(b);
  EXPECT_EQ(a.Count(), 4u);
  EXPECT_EQ(a.Min(), 5u);
  EXPECT_EQ(a.Max(), 1'000'000u);
  a.Reset();
  EXPECT_EQ(a.Count(), 0u);
  EXPECT_EQ(a.Percentile(0.99), 0u);
}

TEST(BenchHistogramTest, ConcurrentRecordsAreAllCounted) {
  Histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 50'000; ++i) h.Record(static_cast<std::uint64_t>(1000 * (t + 1)));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Count(), 200'000u);
  EXPECT_EQ(h.Max(), 4000u);
  EXPECT_EQ(h.Min(), 1000u);
}

struct Parsed {
  std::optional<int> exit;
  ClientWorkload workload;
  ClientFlags flags;
  std::string out, err;
};

Parsed ParseArgs(WorkloadKind kind, std::vector<std::string> args) {
  Parsed p;
  std::ostringstream out, err;
  p.exit = ParseClientWorkload(kind, args, p.workload, p.flags, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(BenchFlagsTest, DefaultsAreW1) {
  Parsed p = ParseArgs(WorkloadKind::kProduce, {"-n", "127.0.0.1:9876"});
  ASSERT_FALSE(p.exit.has_value()) << p.err;
  EXPECT_EQ(p.flags.namesrv, "127.0.0.1:9876");
  EXPECT_EQ(p.workload.name, "produce");
  EXPECT_EQ(p.workload.size, 1024u);
  EXPECT_EQ(p.workload.queues, 8);
  EXPECT_EQ(p.workload.topics, 1);
  EXPECT_EQ(p.workload.mode, SendMode::kAsync);
  EXPECT_EQ(p.workload.window, 1000);
  EXPECT_EQ(p.workload.rate, 0);
  EXPECT_TRUE(p.workload.create_topics);
  EXPECT_FALSE(p.flags.json);
}

TEST(BenchFlagsTest, EveryWorkloadFlagIsRead) {
  Parsed p = ParseArgs(WorkloadKind::kE2e, {"-c",          "client.toml",
                                            "-t",          "T",
                                            "--topics",    "64",
                                            "--queues",    "4",
                                            "-s",          "65536",
                                            "-p",          "3",
                                            "--consumers", "2",
                                            "--mode",      "batch",
                                            "--batch",     "16",
                                            "--rate",      "5000",
                                            "-m",          "1000",
                                            "--warmup",    "2",
                                            "--no-create", "--server-pid",
                                            "11",          "--server-pid",
                                            "12",          "--json"});
  ASSERT_FALSE(p.exit.has_value()) << p.err;
  EXPECT_EQ(p.flags.config, "client.toml");
  EXPECT_EQ(p.workload.kind, WorkloadKind::kE2e);
  EXPECT_EQ(p.workload.name, "e2e");
  EXPECT_EQ(p.workload.topic, "T");
  EXPECT_EQ(p.workload.topics, 64);
  EXPECT_EQ(p.workload.queues, 4);
  EXPECT_EQ(p.workload.size, 65536u);
  EXPECT_EQ(p.workload.producers, 3);
  EXPECT_EQ(p.workload.consumers, 2);
  EXPECT_EQ(p.workload.mode, SendMode::kBatch);
  EXPECT_EQ(p.workload.batch, 16);
  EXPECT_EQ(p.workload.rate, 5000);
  EXPECT_EQ(p.workload.messages, 1000);
  EXPECT_EQ(p.workload.warmup_s, 2);
  EXPECT_FALSE(p.workload.create_topics);
  EXPECT_EQ(p.flags.server_pids, (std::vector<int>{11, 12}));
  EXPECT_TRUE(p.flags.json);
}

TEST(BenchFlagsTest, HeaderEncodingIsBinaryUnlessJsonIsAsked) {
  Parsed binary = ParseArgs(WorkloadKind::kConsume, {"-n", "a:1", "--pull-batch", "1000"});
  ASSERT_FALSE(binary.exit.has_value()) << binary.err;
  EXPECT_EQ(binary.workload.header_encoding, client::HeaderEncoding::kBinary);
  EXPECT_EQ(binary.workload.pull_batch, 1000);
  Parsed json = ParseArgs(WorkloadKind::kProduce, {"-n", "a:1", "--header", "json"});
  ASSERT_FALSE(json.exit.has_value()) << json.err;
  EXPECT_EQ(json.workload.header_encoding, client::HeaderEncoding::kJson);
  EXPECT_EQ(ParseArgs(WorkloadKind::kProduce, {"-n", "a:1", "--header", "xml"}).exit, 2);
}

TEST(BenchFlagsTest, LongConfigSpellingIsAccepted) {
  Parsed p = ParseArgs(WorkloadKind::kProduce, {"--config", "c.toml", "--mode", "sync"});
  ASSERT_FALSE(p.exit.has_value()) << p.err;
  EXPECT_EQ(p.flags.config, "c.toml");
  EXPECT_EQ(p.workload.mode, SendMode::kSync);
}

TEST(BenchFlagsTest, MissingConnectionIsAUsageError) {
  Parsed p = ParseArgs(WorkloadKind::kProduce, {"-t", "T"});
  ASSERT_EQ(p.exit, 2);
  EXPECT_NE(p.err.find("-n"), std::string::npos) << p.err;
}

TEST(BenchFlagsTest, BadValuesAreUsageErrorsNamingTheFlag) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"-n", "a:1", "--mode", "fast"},
        std::vector<std::string>{"-n", "a:1", "--size", "0"},
        std::vector<std::string>{"-n", "a:1", "-d", "5", "-m", "10"},
        std::vector<std::string>{"-n", "a:1", "-c", "x.toml"},
        std::vector<std::string>{"-n", "a:1", "--bogus"}}) {
    Parsed p = ParseArgs(WorkloadKind::kProduce, args);
    EXPECT_EQ(p.exit, 2) << args[2];
    EXPECT_NE(p.err.find("error:"), std::string::npos) << p.err;
  }
}

TEST(BenchFlagsTest, ConsumeNeverCreatesTopics) {
  Parsed p = ParseArgs(WorkloadKind::kConsume, {"-n", "a:1", "-t", "T", "-m", "100"});
  ASSERT_FALSE(p.exit.has_value()) << p.err;
  EXPECT_FALSE(p.workload.create_topics);
  EXPECT_EQ(p.workload.name, "consume");
}

TEST(BenchCommandTest, UnknownSubcommandAndWorkloadAreUsageErrors) {
  std::ostringstream out, err;
  RuntimeFactory factory;  // never called: the flags fail first
  EXPECT_EQ(RunBench({"nope"}, factory, out, err, nullptr), 2);
  EXPECT_NE(err.str().find("unknown bench subcommand"), std::string::npos);
  err.str("");
  EXPECT_EQ(RunBench({"local", "--workloads", "W1,W99"}, factory, out, err, nullptr), 2);
  EXPECT_NE(err.str().find("W99"), std::string::npos) << err.str();
  err.str("");
  EXPECT_EQ(RunBench({"local", "--messages", "huge"}, factory, out, err, nullptr), 2);
  EXPECT_EQ(RunBench({}, factory, out, err, nullptr), 2);
}

TEST(BenchReportTest, JsonLineHasTheIssueKeys) {
  BenchResult r;
  r.workload = "W1";
  r.msgs = 1000;
  r.bytes = 1024 * 1000;
  r.seconds = 0.5;
  for (int i = 1; i <= 1000; ++i) r.latency->Record(i * 1000ull);
  r.server_cpu_s = 0.25;
  const std::string line = ToJsonLine(r);
  for (const char* key :
       {"\"workload\":\"W1\"", "\"msgs\":1000", "\"seconds\":0.500", "\"msgs_per_s\":2000.000",
        "\"mb_per_s\":2.048", "\"p50_us\":", "\"p99_us\":", "\"p999_us\":", "\"errors\":0",
        "\"server_cpu_s\":0.250"}) {
    EXPECT_NE(line.find(key), std::string::npos) << key << " in " << line;
  }
  EXPECT_EQ(line.find('\n'), std::string::npos);
  r.server_cpu_s = -1;
  EXPECT_NE(ToJsonLine(r).find("\"server_cpu_s\":null"), std::string::npos);
}

TEST(BenchLimitsTest, ProcessCpuOfThisProcessGrowsWithWork) {
  const double before = ProcessCpuSeconds(getpid());
  ASSERT_GE(before, 0);
  // Spin until the kernel's tick accounting shows it (deadline 5 s of wall time).
  volatile std::uint64_t x = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ProcessCpuSeconds(getpid()) <= before && std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 100'000; ++i) x = x + 1;
  }
  EXPECT_GT(ProcessCpuSeconds(getpid()), before);
  EXPECT_EQ(ProcessCpuSeconds(-5), -1);
}

}  // namespace
}  // namespace quiver::tools::bench
