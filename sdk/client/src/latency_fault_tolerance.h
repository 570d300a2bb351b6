#pragma once
// Internal: which brokers a producer should avoid for a while (RocketMQ's MQFaultStrategy
// with LatencyFaultToleranceImpl, 5.x thresholds; rocketmq-protocol.md §9.2).
// A send that took `latency` makes its broker unavailable for NotAvailableDuration(latency);
// a failed send counts as kIsolationLatency (30 s). Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "quiver/clock.h"

namespace quiver::inline v1::client::internal {

class LatencyFaultTolerance {
 public:
  static constexpr Duration kIsolationLatency = std::chrono::milliseconds(30000);

  explicit LatencyFaultTolerance(Clock& clock) : clock_(clock) {}

  // latencyMax {50,100,550,1800,3000,5000,15000} ms -> {0,0,2000,5000,6000,10000,30000} ms.
  static Duration NotAvailableDuration(Duration latency);

  void Update(const std::string& broker_name, Duration latency);
  bool IsAvailable(const std::string& broker_name) const;

 private:
  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, TimePoint> available_from_;
};

}  // namespace quiver::inline v1::client::internal
