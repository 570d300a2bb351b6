#pragma once
// Message counters for GET_BROKER_RUNTIME_INFO: totals since start and since the start of
// the current UTC day (RocketMQ's msgPutTotalTodayNow / msgGetTotalTodayNow).
// Thread safety: all methods, any thread.

#include <cstdint>
#include <mutex>

namespace quiver::broker {

class BrokerStats {
 public:
  struct Snapshot {
    std::int64_t put_total = 0;
    std::int64_t get_total = 0;
    std::int64_t put_today = 0;
    std::int64_t get_today = 0;
  };

  void AddPut(std::int64_t messages, std::int64_t wall_millis) { Add(messages, 0, wall_millis); }
  void AddGet(std::int64_t messages, std::int64_t wall_millis) { Add(0, messages, wall_millis); }

  Snapshot Get(std::int64_t wall_millis) {
    std::lock_guard<std::mutex> lock(mutex_);
    Roll(wall_millis);
    return counters_;
  }

 private:
  static constexpr std::int64_t kDayMillis = 24LL * 3600 * 1000;

  void Add(std::int64_t put, std::int64_t get, std::int64_t wall_millis) {
    std::lock_guard<std::mutex> lock(mutex_);
    Roll(wall_millis);
    counters_.put_total += put;
    counters_.get_total += get;
    counters_.put_today += put;
    counters_.get_today += get;
  }
  void Roll(std::int64_t wall_millis) {
    std::int64_t day = wall_millis / kDayMillis;
    if (day != day_) {
      day_ = day;
      counters_.put_today = 0;
      counters_.get_today = 0;
    }
  }

  std::mutex mutex_;
  std::int64_t day_ = -1;
  Snapshot counters_;
};

}  // namespace quiver::broker
