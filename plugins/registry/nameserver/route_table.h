#pragma once
// The name server's route tables (rocketmq-protocol.md §6.1) and the rules that change
// them: registration (§6.2), unregistration, expiry and connection loss (§6.4).
//
//   topic queue table   topic -> broker name -> QueueData
//   broker addr table   broker name -> BrokerData {cluster, name, broker id -> address}
//   cluster addr table  cluster -> broker names
//   broker live table   broker address -> last update, data version, HA address, connection
//
// A pure data structure: no I/O, no timers; time comes in as arguments, so tests drive it
// directly. Thread safety: every method may be called from any thread; a reader/writer
// lock guards the tables (queries share it, changes take it exclusively).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "quiver/clock.h"
#include "quiver/route.h"

namespace quiver::registry::nameserver {

// One REGISTER_BROKER, decoded.
struct BrokerRegistrationRequest {
  std::string cluster;
  std::string broker_name;
  std::string broker_addr;
  std::string ha_server_addr;
  std::int64_t broker_id = 0;  // 0 = master
  DataVersion data_version;
  std::map<std::string, TopicConfig> topics;  // the broker's full topic table
  std::uint64_t connection_id = 0;            // the connection it came on; 0 = none
};

struct RegistrationReply {
  // For a slave whose master is live: the master's address and HA address; else "".
  std::string master_addr;
  std::string ha_server_addr;
  // True when the registration was ignored because another address holds the same broker
  // id with a newer state version (§6.2 step 3).
  bool ignored = false;
};

struct DataVersionCheck {
  bool changed = true;                 // the broker's version differs from the one held
  std::optional<DataVersion> current;  // the one held, if the broker is live
};

class RouteTable {
 public:
  // §6.2: adds the broker to its cluster and group, replaces an address registered under
  // another id (slave promoted to master), and — for a master whose registration is new
  // or whose data version changed — replaces the group's queue data of every topic it
  // lists and removes the group from topics it no longer lists. Slave registrations never
  // change queue data. Refreshes the broker's live entry.
  RegistrationReply RegisterBroker(const BrokerRegistrationRequest& request, TimePoint now);

  // UNREGISTER_BROKER: forgets the broker at `broker_addr` under `broker_id`; a group left
  // without addresses disappears with its queue data (topics left with none disappear).
  void UnregisterBroker(const std::string& cluster, const std::string& broker_addr,
                        const std::string& broker_name, std::int64_t broker_id);

  // Removes brokers whose last update is more than `expiry` before `now`; returns their
  // addresses.
  std::vector<std::string> RemoveExpired(TimePoint now, Duration expiry);
  // Removes brokers whose latest registration came on `connection_id`; returns them.
  std::vector<std::string> RemoveConnection(std::uint64_t connection_id);

  // The route of `topic`, queue and broker data sorted by broker name; nullopt when no
  // live broker group serves it.
  std::optional<TopicRouteData> GetRoute(const std::string& topic) const;
  ClusterInfo GetClusterInfo() const;
  std::vector<std::string> GetAllTopics() const;
  // Topics with queues on a broker group of `cluster` (empty for an unknown cluster).
  std::vector<std::string> GetTopicsByCluster(const std::string& cluster) const;
  // Removes `topic` (only its queues on `cluster`'s groups when `cluster` is not empty).
  void DeleteTopic(const std::string& topic, const std::string& cluster);

  // QUERY_DATA_VERSION: compares with the held version and refreshes the live entry.
  DataVersionCheck QueryDataVersion(const std::string& broker_addr, const DataVersion& version,
                                    TimePoint now);
  bool IsLive(const std::string& broker_addr) const;

 private:
  struct LiveBroker {
    std::string cluster;
    std::string broker_name;
    std::int64_t broker_id = 0;
    TimePoint last_update;
    DataVersion data_version;
    std::string ha_server_addr;
    std::uint64_t connection_id = 0;
  };

  // §6.4 for one address. REQUIRES: mu_ held exclusively.
  void RemoveBrokerLocked(const std::string& broker_addr);
  // Drops a group that has no addresses left. REQUIRES: mu_ held exclusively.
  void RemoveGroupIfEmptyLocked(const std::string& broker_name);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::map<std::string, QueueData>> topic_queue_table_;
  std::map<std::string, BrokerData> broker_addr_table_;
  std::map<std::string, std::set<std::string>> cluster_addr_table_;
  std::map<std::string, LiveBroker> broker_live_table_;
};

}  // namespace quiver::registry::nameserver
