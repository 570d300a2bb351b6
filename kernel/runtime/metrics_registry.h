#pragma once
// The kernel's Metrics: named counters and gauges, created on first use and kept for the
// registry's lifetime (references handed out stay valid). Thread safety: any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/metrics.h"

namespace quiver::kernel {

class MetricsRegistry final : public Metrics {
 public:
  Counter& GetCounter(std::string_view name) override;
  Gauge& GetGauge(std::string_view name) override;

  struct Sample {
    std::string name;
    std::int64_t value = 0;
    friend bool operator==(const Sample&, const Sample&) = default;
  };
  // Every metric's current value, counters then gauges, each sorted by name.
  std::vector<Sample> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>, std::less<>> gauges_;
};

}  // namespace quiver::kernel
