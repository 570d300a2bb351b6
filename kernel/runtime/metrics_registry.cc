#include "kernel/runtime/metrics_registry.h"

namespace quiver::kernel {
namespace {

template <typename T>
T& FindOrCreate(std::map<std::string, std::unique_ptr<T>, std::less<>>& map,
                std::string_view name) {
  auto it = map.find(name);
  if (it == map.end()) it = map.emplace(std::string(name), std::make_unique<T>()).first;
  return *it->second;
}

}  // namespace

Counter& MetricsRegistry::GetCounter(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrCreate(counters_, name);
}

Gauge& MetricsRegistry::GetGauge(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrCreate(gauges_, name);
}

std::vector<MetricsRegistry::Sample> MetricsRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Sample> out;
  for (const auto& [name, counter] : counters_) out.push_back({name, counter->Value()});
  for (const auto& [name, gauge] : gauges_) out.push_back({name, gauge->Value()});
  return out;
}

}  // namespace quiver::kernel
