#pragma once
// Counters and gauges a plugin reports; the kernel owns them and exposes them
// (broker status, logs, bench). Names are dotted: "storage.commitlog.appends".

#include <atomic>
#include <cstdint>
#include <string_view>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

// A monotonically increasing count. Thread safety: lock-free, any thread.
class QUIVER_SDK_VISIBLE Counter {
 public:
  void Add(std::int64_t delta = 1) { value_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// A value that goes up and down. Thread safety: lock-free, any thread.
class QUIVER_SDK_VISIBLE Gauge {
 public:
  void Set(std::int64_t value) { value_.store(value, std::memory_order_relaxed); }
  void Add(std::int64_t delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class QUIVER_SDK_VISIBLE Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;
  virtual ~Metrics();

  // Returns the metric of that name, creating it on first use. The reference stays valid
  // for the lifetime of the Metrics object (longer than any plugin object).
  // Thread safety: any thread; look a metric up once and keep the reference on hot paths.
  virtual Counter& GetCounter(std::string_view name) = 0;
  virtual Gauge& GetGauge(std::string_view name) = 0;
};

}  // namespace v1
}  // namespace quiver
