#pragma once
// Cluster metadata shared by brokers, registries and clients: topic configs, broker
// identities and the route data clients receive (rocketmq-protocol.md §3.1–3.3). JSON
// encodings live with the code that puts them on the wire (the registry plugins, the
// broker), so these are plain values.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "quiver/types.h"

namespace quiver {
inline namespace v1 {

// PermName bits.
namespace perm {
inline constexpr std::int32_t kInherit = 0x1;
inline constexpr std::int32_t kWrite = 0x2;
inline constexpr std::int32_t kRead = 0x4;
inline constexpr std::int32_t kPriority = 0x8;
inline constexpr std::int32_t kReadWrite = kRead | kWrite;
}  // namespace perm

struct TopicConfig {
  std::string topic_name;
  std::int32_t read_queue_nums = 4;
  std::int32_t write_queue_nums = 4;
  std::int32_t perm = perm::kReadWrite;
  std::string topic_filter_type = "SINGLE_TAG";
  std::int32_t topic_sys_flag = 0;
  bool order = false;
  friend bool operator==(const TopicConfig&, const TopicConfig&) = default;
};

// Changes whenever a broker's topic set changes (RocketMQ's DataVersion).
struct DataVersion {
  std::int64_t state_version = 0;
  std::int64_t timestamp_ms = 0;
  std::int64_t counter = 0;
  friend bool operator==(const DataVersion&, const DataVersion&) = default;
};

enum class BrokerRole { kAsyncMaster, kSyncMaster, kSlave };

// Who a broker is; what it publishes to the registry.
struct BrokerIdentity {
  std::string cluster = "DefaultCluster";
  std::string broker_name;
  BrokerId broker_id{0};
  std::string address;     // "host:port" clients connect to
  std::string ha_address;  // replication listener, "" if none
  BrokerRole role = BrokerRole::kAsyncMaster;
};

// One publication of a broker to the registry: identity plus its full topic table.
struct BrokerRegistration {
  BrokerIdentity identity;
  std::map<std::string, TopicConfig> topics;
  DataVersion data_version;
  // Replica progress (max physical offset) for routes that show replication lag.
  std::int64_t max_physical_offset = 0;
};

struct QueueData {
  std::string broker_name;
  std::int32_t read_queue_nums = 0;
  std::int32_t write_queue_nums = 0;
  std::int32_t perm = perm::kReadWrite;
  std::int32_t topic_sys_flag = 0;
  friend bool operator==(const QueueData&, const QueueData&) = default;
};

struct BrokerData {
  std::string cluster;
  std::string broker_name;
  std::map<std::int64_t, std::string> broker_addrs;  // broker id -> address
  friend bool operator==(const BrokerData&, const BrokerData&) = default;
};

struct TopicRouteData {
  std::vector<QueueData> queue_datas;    // sorted by broker_name
  std::vector<BrokerData> broker_datas;  // sorted by broker_name
  friend bool operator==(const TopicRouteData&, const TopicRouteData&) = default;
};

struct ClusterInfo {
  std::map<std::string, BrokerData> broker_addr_table;                 // broker name -> data
  std::map<std::string, std::vector<std::string>> cluster_addr_table;  // cluster -> names
  friend bool operator==(const ClusterInfo&, const ClusterInfo&) = default;
};

}  // namespace v1
}  // namespace quiver
