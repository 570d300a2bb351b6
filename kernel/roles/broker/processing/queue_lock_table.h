#pragma once
// Queue locks of orderly consumers (RocketMQ's RebalanceLockManager): per consumer group,
// which client holds which message queue. A client locks its queues with LOCK_BATCH_MQ
// (41) every 20 s; a lock not renewed for `expiry` (60 s, lockMaxLiveTime) may be taken
// by another client of the group; only the holder unlocks (UNLOCK_BATCH_MQ, 42). Time is
// the broker's Clock, so tests drive expiry with a ManualClock. In memory only, as in
// RocketMQ: after a broker restart clients simply lock again.
//
// Thread safety: all methods, any thread (one mutex).

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "quiver/clock.h"

namespace quiver::broker {

// A message queue as the lock bodies name it: {"topic","brokerName","queueId"}.
struct LockedQueue {
  std::string topic;
  std::string broker_name;
  std::int32_t queue_id = 0;
  friend auto operator<=>(const LockedQueue&, const LockedQueue&) = default;
};

class QueueLockTable {
 public:
  QueueLockTable(Clock& clock, Duration expiry) : clock_(clock), expiry_(expiry) {}

  // Locks (or renews) every queue of `queues` that is free, expired or already held by
  // `client_id`; returns those now held by it. Queues held by another live client are
  // left out.
  std::set<LockedQueue> TryLock(std::string_view group, const std::vector<LockedQueue>& queues,
                                std::string_view client_id);
  // Releases the queues of `queues` that `client_id` holds; others are untouched.
  // Returns how many were released.
  std::size_t Unlock(std::string_view group, const std::vector<LockedQueue>& queues,
                     std::string_view client_id);
  // The live holder of a queue of `group` (topic, queue id on this broker), if any.
  std::optional<std::string> Holder(std::string_view group, std::string_view topic,
                                    std::int32_t queue_id) const;

 private:
  struct Lock {
    std::string client_id;
    TimePoint renewed;
  };
  bool Live(const Lock& lock, TimePoint now) const { return now - lock.renewed <= expiry_; }

  Clock& clock_;
  Duration expiry_;
  mutable std::mutex mutex_;
  std::map<std::string, std::map<LockedQueue, Lock>, std::less<>> groups_;
};

}  // namespace quiver::broker
