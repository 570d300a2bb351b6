#pragma once
// Producer and consumer groups as the broker sees them (RocketMQ's ProducerManager and
// ConsumerManager): which connections belong to which group, and what each consumer
// group subscribes to, from HEART_BEAT data. When a consumer group's membership or
// subscriptions change, every remaining member is sent NOTIFY_CONSUMER_IDS_CHANGED
// (one-way, ext consumerGroup) so that it rebalances at once (rocketmq-protocol.md §2.4,
// §9.7).
//
// Thread safety: all methods, any thread. Notifications are sent outside the lock.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/clock.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/transport.h"

namespace spdlog {
class logger;
}

namespace quiver::broker {

class ClientManager {
 public:
  ClientManager(Clock& clock, std::shared_ptr<spdlog::logger> logger);

  // Registers `connection` in every producer and consumer group of `heartbeat` and
  // refreshes its last-seen time; notifies consumer groups whose membership or
  // subscriptions changed.
  void OnHeartbeat(const ConnectionPtr& connection, const protocol::HeartbeatData& heartbeat);
  // UNREGISTER_CLIENT: removes the connection from the named groups ("" = none).
  void Unregister(const ConnectionPtr& connection, std::string_view producer_group,
                  std::string_view consumer_group);
  // Removes the connection from every group (connection closed).
  void OnConnectionClosed(const ConnectionPtr& connection);
  // Removes connections not heard from for longer than `max_idle` (and closed ones).
  void ExpireIdle(Duration max_idle);

  // Client ids of the group's members, sorted; empty when the group is unknown.
  std::vector<std::string> ConsumerIds(std::string_view group) const;
  bool HasConsumerGroup(std::string_view group) const;
  // The client id `connection` announced in `group`'s heartbeats; its remote address when
  // it is not a member of the group.
  std::string ClientIdOf(const ConnectionPtr& connection, std::string_view group) const;
  // The group's subscription to `topic`, as the latest heartbeat carrying it said.
  std::optional<protocol::SubscriptionData> FindSubscription(std::string_view group,
                                                             std::string_view topic) const;
  // The topics the group's members subscribe to (their latest heartbeats), sorted; empty
  // when the group is unknown.
  std::vector<std::string> SubscribedTopics(std::string_view group) const;
  std::vector<std::string> ProducerGroups() const;
  std::vector<std::string> ConsumerGroups() const;

 private:
  struct Channel {
    ConnectionPtr connection;
    std::string client_id;
    TimePoint last_seen;
  };
  struct ConsumerGroup {
    std::string consume_type;
    std::string message_model;
    std::string consume_from_where;
    std::map<std::string, protocol::SubscriptionData, std::less<>> subscriptions;
    std::map<const Connection*, Channel> channels;  // by connection
  };
  struct ProducerGroup {
    std::map<const Connection*, Channel> channels;
  };

  // Channels are keyed by the Connection object (the map keeps it alive, so the key stays
  // unique), not by Id(): a closed connection's id need not survive the close.
  // Removes `connection` from groups matching the filters; returns the consumer groups
  // whose membership changed (with their remaining connections to notify).
  using Notifications = std::vector<std::pair<std::string, std::vector<ConnectionPtr>>>;
  Notifications RemoveLocked(const Connection* connection, std::optional<std::string_view> producer,
                             std::optional<std::string_view> consumer);
  void Notify(const Notifications& notifications);
  static std::vector<ConnectionPtr> ConnectionsOf(const ConsumerGroup& group);

  Clock& clock_;
  std::shared_ptr<spdlog::logger> logger_;
  mutable std::mutex mutex_;
  std::map<std::string, ConsumerGroup, std::less<>> consumers_;
  std::map<std::string, ProducerGroup, std::less<>> producers_;
};

}  // namespace quiver::broker
