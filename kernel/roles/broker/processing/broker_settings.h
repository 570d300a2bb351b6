#pragma once
// The [broker] settings the request processors need (DESIGN.md §8), already parsed and
// validated by the role assembly, plus tuning values with RocketMQ's defaults.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "quiver/clock.h"
#include "quiver/route.h"
#include "quiver/types.h"

namespace quiver::broker {

// RocketMQ's messageDelayLevel: 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h.
inline std::vector<Duration> DefaultDelayLevels() {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  return {seconds(1),  seconds(5),  seconds(10), seconds(30), minutes(1),  minutes(2),
          minutes(3),  minutes(4),  minutes(5),  minutes(6),  minutes(7),  minutes(8),
          minutes(9),  minutes(10), minutes(20), minutes(30), hours(1),    hours(2)};
}

struct BrokerSettings {
  std::string cluster = "DefaultCluster";
  std::string name;  // brokerName, REQUIRED
  BrokerId id{0};
  // "ip:port" put in routes, record store hosts and offsetMsgIds. Must be a numeric
  // address (Start() fails otherwise): the assembly resolves it from listen/advertise.
  std::string advertise;
  std::string ha_address;  // replication listener, "" if none
  BrokerRole role = BrokerRole::kAsyncMaster;
  std::filesystem::path store_dir;  // metadata lives in store_dir/config/
  bool auto_create_topic = true;
  std::int32_t default_queues = 4;
  std::int64_t max_message_size = 4 * 1024 * 1024;  // bytes, body (batch: whole body)
  // [broker] delay_levels, parsed: level n (1-based) waits delay_levels[n - 1]. A DELAY
  // property above the last level is clamped to it (ScheduleService). Never empty.
  std::vector<Duration> delay_levels = DefaultDelayLevels();
  // [broker] max_transfer_count / max_transfer_bytes: caps of one PULL_MESSAGE answer.
  std::int32_t max_transfer_count = 1024;
  std::int64_t max_transfer_bytes = 4 * 1024 * 1024;

  // Tuning (not user-facing yet).
  Duration max_suspend = std::chrono::seconds(15);           // cap of a held pull
  Duration offset_flush_interval = std::chrono::seconds(5);  // consumerOffset.json
  Duration client_scan_interval = std::chrono::seconds(10);  // idle client scan
  Duration client_expiry = std::chrono::seconds(120);        // idle channel removed
  Duration delay_offset_flush_interval = std::chrono::seconds(10);  // delayOffset.json
  // Orderly consumers' queue locks (LOCK_BATCH_MQ) expire without renewal after this
  // (RocketMQ's rocketmq.broker.rebalance.lockMaxLiveTime).
  Duration queue_lock_expiry = std::chrono::seconds(60);
};

}  // namespace quiver::broker
