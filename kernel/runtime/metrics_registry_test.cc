#include "kernel/runtime/metrics_registry.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::kernel {
namespace {

using Sample = MetricsRegistry::Sample;
using ::testing::ElementsAre;

TEST(MetricsRegistryTest, SameNameReturnsTheSameMetric) {
  MetricsRegistry metrics;
  Counter& a = metrics.GetCounter("storage.commitlog.appends");
  a.Add(2);
  Counter& b = metrics.GetCounter("storage.commitlog.appends");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(b.Value(), 2);
  Gauge& g = metrics.GetGauge("transport.tcp.connections");
  g.Set(5);
  g.Add(-2);
  EXPECT_EQ(metrics.GetGauge("transport.tcp.connections").Value(), 3);
}

TEST(MetricsRegistryTest, SnapshotListsCountersThenGaugesByName) {
  MetricsRegistry metrics;
  metrics.GetCounter("b").Add(1);
  metrics.GetCounter("a").Add(7);
  metrics.GetGauge("z").Set(-1);
  EXPECT_THAT(metrics.Snapshot(), ElementsAre(Sample{"a", 7}, Sample{"b", 1}, Sample{"z", -1}));
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) metrics.GetCounter("hits").Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(metrics.GetCounter("hits").Value(), 40000);
}

}  // namespace
}  // namespace quiver::kernel
