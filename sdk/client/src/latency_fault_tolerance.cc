#include "latency_fault_tolerance.h"

#include <array>

namespace quiver::inline v1::client::internal {

Duration LatencyFaultTolerance::NotAvailableDuration(Duration latency) {
  using std::chrono::milliseconds;
  static constexpr std::array<long, 7> kLatencyMax = {50, 100, 550, 1800, 3000, 5000, 15000};
  static constexpr std::array<long, 7> kNotAvailable = {0, 0, 2000, 5000, 6000, 10000, 30000};
  for (std::size_t i = kLatencyMax.size(); i-- > 0;) {
    if (latency >= milliseconds(kLatencyMax[i])) return milliseconds(kNotAvailable[i]);
  }
  return Duration::zero();
}

void LatencyFaultTolerance::Update(const std::string& broker_name, Duration latency) {
  const Duration duration = NotAvailableDuration(latency);
  std::lock_guard lock(mu_);
  if (duration == Duration::zero()) {
    available_from_.erase(broker_name);
  } else {
    available_from_[broker_name] = clock_.Now() + duration;
  }
}

bool LatencyFaultTolerance::IsAvailable(const std::string& broker_name) const {
  std::lock_guard lock(mu_);
  auto it = available_from_.find(broker_name);
  return it == available_from_.end() || clock_.Now() >= it->second;
}

}  // namespace quiver::inline v1::client::internal
