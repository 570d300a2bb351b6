#pragma once
// Subscription groups (RocketMQ's SubscriptionGroupManager): per consumer group, how many
// times a failed message is retried before it goes to %DLQ%<group> (retryMaxTimes) and
// how many retry queues it gets. A group is created with RocketMQ's defaults on its first
// consumer HEART_BEAT, or by UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200). In memory;
// BrokerMetadataTables persists it as store_dir/config/subscriptionGroup.json.
//
// JSON shape (subscriptionGroup.json, GET_ALL_SUBSCRIPTIONGROUP_CONFIG body):
//   {"subscriptionGroupTable":{"G":{"groupName":"G","consumeEnable":true,
//     "consumeFromMinEnable":true,"consumeBroadcastEnable":true,"retryQueueNums":1,
//     "retryMaxTimes":16,"brokerId":0,"whichBrokerWhenConsumeSlowly":1,
//     "notifyConsumerIdsChangedEnable":true}},
//    "dataVersion":{"stateVersion":0,"timestamp":1700000000000,"counter":1}}
//
// Thread safety: all methods, any thread (one mutex).

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "quiver/clock.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::broker {

struct SubscriptionGroupConfig {
  std::string group_name;
  bool consume_enable = true;
  bool consume_from_min_enable = true;
  bool consume_broadcast_enable = true;
  std::int32_t retry_queue_nums = 1;
  std::int32_t retry_max_times = 16;  // RocketMQ's default
  std::int64_t broker_id = 0;
  std::int64_t which_broker_when_consume_slowly = 1;
  bool notify_consumer_ids_changed_enable = true;
};

class SubscriptionGroupTable {
 public:
  explicit SubscriptionGroupTable(Clock& clock) : clock_(clock) {}

  // Replaces the table from JSON. kInvalidArgument naming the first bad field; the table
  // is unchanged then.
  Status LoadJson(std::string_view json);
  std::string ExportJson() const;
  // One config as JSON (the body of UPDATE_AND_CREATE_SUBSCRIPTIONGROUP), and back.
  static StatusOr<SubscriptionGroupConfig> ParseConfigJson(std::string_view json);

  std::optional<SubscriptionGroupConfig> Find(std::string_view group) const;
  // Creates `group` with the defaults unless it exists. Returns its config and whether it
  // was created.
  std::pair<SubscriptionGroupConfig, bool> CreateIfAbsent(std::string_view group);
  // Creates or replaces. Returns whether anything changed.
  bool Upsert(const SubscriptionGroupConfig& config);
  std::uint64_t version() const;

 private:
  void NextVersionLocked();

  Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, SubscriptionGroupConfig, std::less<>> groups_;
  DataVersion data_version_;
  std::uint64_t version_ = 0;
};

}  // namespace quiver::broker
