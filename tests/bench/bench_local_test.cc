// Process test of `quiver bench local`: a real name server and broker started by the
// bench, the JSON lines it prints, and that it cleans up after itself.

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "subprocess.h"

namespace {

using namespace std::chrono_literals;

TEST(BenchLocalTest, SmallW1AndW3PrintOneJsonObjectPerWorkload) {
  quiver::testing::Subprocess bench(
      {QUIVER_BIN, "bench", "local", "--workloads", "W1,W3", "--messages", "small", "--json"});
  const int status = bench.Wait(300s);
  ASSERT_EQ(status, 0) << "stderr:\n" << bench.err() << "\nstdout:\n" << bench.out();

  std::map<std::string, rapidjson::Document> rows;
  std::istringstream lines(bench.out());
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << "not JSON: " << line;
    ASSERT_TRUE(d.IsObject()) << line;
    for (const char* key : {"workload", "msgs", "seconds", "msgs_per_s", "mb_per_s", "p50_us",
                            "p99_us", "p999_us", "errors", "server_cpu_s"}) {
      ASSERT_TRUE(d.HasMember(key)) << key << " missing in " << line;
    }
    rows[d["workload"].GetString()] = std::move(d);
  }
  ASSERT_EQ(rows.size(), 2u) << bench.out();
  ASSERT_EQ(rows.count("W1"), 1u) << bench.out();
  ASSERT_EQ(rows.count("W3"), 1u) << bench.out();

  const rapidjson::Document& w1 = rows["W1"];
  EXPECT_EQ(w1["msgs"].GetUint64(), 20000u);  // --messages small
  EXPECT_EQ(w1["errors"].GetUint64(), 0u);
  EXPECT_GT(w1["msgs_per_s"].GetDouble(), 0);
  EXPECT_GT(w1["mb_per_s"].GetDouble(), 0);
  ASSERT_TRUE(w1["server_cpu_s"].IsNumber()) << "the broker is local: its CPU is measured";
  EXPECT_GT(w1["server_cpu_s"].GetDouble(), 0);

  const rapidjson::Document& w3 = rows["W3"];
  EXPECT_EQ(w3["msgs"].GetUint64(), 1000u);
  EXPECT_EQ(w3["errors"].GetUint64(), 0u);
  // One in flight: every message has a send->ack latency, ordered percentiles.
  EXPECT_GT(w3["p50_us"].GetDouble(), 0);
  EXPECT_LE(w3["p50_us"].GetDouble(), w3["p99_us"].GetDouble());
  EXPECT_LE(w3["p99_us"].GetDouble(), w3["p999_us"].GetDouble());

  // The cluster's temp dir is gone (nodes stopped, store removed).
  const std::string marker = "bench: cluster in ";
  const auto at = bench.err().find(marker);
  ASSERT_NE(at, std::string::npos) << bench.err();
  const std::string dir =
      bench.err().substr(at + marker.size(), bench.err().find(',', at) - at - marker.size());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(BenchLocalTest, UnknownWorkloadIsAUsageErrorBeforeAnythingStarts) {
  quiver::testing::Subprocess bench({QUIVER_BIN, "bench", "local", "--workloads", "W1,W42"});
  EXPECT_EQ(bench.Wait(30s), 2);
  EXPECT_NE(bench.err().find("unknown workload \"W42\""), std::string::npos) << bench.err();
  EXPECT_EQ(bench.err().find("bench: cluster in"), std::string::npos) << bench.err();
}

}  // namespace
