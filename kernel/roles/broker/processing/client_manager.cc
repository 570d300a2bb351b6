#include "kernel/roles/broker/processing/client_manager.h"

#include <algorithm>

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"

namespace quiver::broker {

ClientManager::ClientManager(Clock& clock, std::shared_ptr<spdlog::logger> logger)
    : clock_(clock), logger_(std::move(logger)) {}

std::vector<ConnectionPtr> ClientManager::ConnectionsOf(const ConsumerGroup& group) {
  std::vector<ConnectionPtr> connections;
  for (const auto& [id, channel] : group.channels) connections.push_back(channel.connection);
  return connections;
}

void ClientManager::OnHeartbeat(const ConnectionPtr& connection,
                                const protocol::HeartbeatData& heartbeat) {
  TimePoint now = clock_.Now();
  Notifications notifications;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const protocol::ProducerData& producer : heartbeat.producer_data_set) {
      if (producer.group_name.empty()) continue;
      producers_[producer.group_name].channels[connection.get()] =
          Channel{connection, heartbeat.client_id, now};
    }
    for (const protocol::ConsumerData& consumer : heartbeat.consumer_data_set) {
      if (consumer.group_name.empty()) continue;
      ConsumerGroup& group = consumers_[consumer.group_name];
      group.consume_type = consumer.consume_type;
      group.message_model = consumer.message_model;
      group.consume_from_where = consumer.consume_from_where;
      bool changed = false;
      auto [it, inserted] = group.channels.try_emplace(connection.get());
      if (inserted || it->second.client_id != heartbeat.client_id) changed = true;
      it->second = Channel{connection, heartbeat.client_id, now};
      for (const protocol::SubscriptionData& sub : consumer.subscription_data_set) {
        auto existing = group.subscriptions.find(sub.topic);
        if (existing == group.subscriptions.end()) {
          group.subscriptions.emplace(sub.topic, sub);
          changed = true;
        } else if (existing->second.sub_string != sub.sub_string ||
                   existing->second.expression_type != sub.expression_type) {
          // Java keeps the newest by subVersion; a changed expression is a change.
          if (sub.sub_version >= existing->second.sub_version) {
            existing->second = sub;
            changed = true;
          }
        } else if (sub.sub_version > existing->second.sub_version) {
          existing->second.sub_version = sub.sub_version;
        }
      }
      if (changed) notifications.emplace_back(consumer.group_name, ConnectionsOf(group));
    }
  }
  Notify(notifications);
}

ClientManager::Notifications ClientManager::RemoveLocked(const Connection* connection_id,
                                                         std::optional<std::string_view> producer,
                                                         std::optional<std::string_view> consumer) {
  Notifications notifications;
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (!producer || *producer == it->first) it->second.channels.erase(connection_id);
    it = it->second.channels.empty() ? producers_.erase(it) : std::next(it);
  }
  for (auto it = consumers_.begin(); it != consumers_.end();) {
    bool removed =
        (!consumer || *consumer == it->first) && it->second.channels.erase(connection_id) > 0;
    if (it->second.channels.empty()) {
      it = consumers_.erase(it);
      continue;
    }
    if (removed) notifications.emplace_back(it->first, ConnectionsOf(it->second));
    ++it;
  }
  return notifications;
}

void ClientManager::Unregister(const ConnectionPtr& connection, std::string_view producer_group,
                               std::string_view consumer_group) {
  Notifications notifications;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // An empty name matches no group: pass a name no group can have.
    notifications = RemoveLocked(connection.get(),
                                 producer_group.empty() ? std::string_view("\n") : producer_group,
                                 consumer_group.empty() ? std::string_view("\n") : consumer_group);
  }
  Notify(notifications);
}

void ClientManager::OnConnectionClosed(const ConnectionPtr& connection) {
  Notifications notifications;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notifications = RemoveLocked(connection.get(), std::nullopt, std::nullopt);
  }
  Notify(notifications);
}

void ClientManager::ExpireIdle(Duration max_idle) {
  TimePoint now = clock_.Now();
  Notifications notifications;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<const Connection*> expired;
    std::vector<ConnectionPtr> keep_alive;
    auto collect = [&](const std::map<const Connection*, Channel>& channels) {
      for (const auto& [id, channel] : channels) {
        if (now - channel.last_seen > max_idle || !channel.connection->IsOpen()) {
          if (expired.insert(id).second) keep_alive.push_back(channel.connection);
        }
      }
    };
    for (const auto& [name, group] : producers_) collect(group.channels);
    for (const auto& [name, group] : consumers_) collect(group.channels);
    for (const Connection* id : expired) {
      if (logger_) logger_->info("removing idle client {}", id->RemoteAddress());
      Notifications removed = RemoveLocked(id, std::nullopt, std::nullopt);
      notifications.insert(notifications.end(), removed.begin(), removed.end());
    }
  }
  Notify(notifications);
}

void ClientManager::Notify(const Notifications& notifications) {
  for (const auto& [group, connections] : notifications) {
    for (const ConnectionPtr& connection : connections) {
      if (!connection->IsOpen()) continue;
      protocol::RemotingCommand request =
          protocol::RemotingCommand::Request(protocol::request_code::kNotifyConsumerIdsChanged);
      request.SetExt("consumerGroup", group);
      connection->InvokeOneway(std::move(request));
    }
  }
}

std::vector<std::string> ClientManager::ConsumerIds(std::string_view group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> ids;
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return ids;
  for (const auto& [id, channel] : it->second.channels) ids.push_back(channel.client_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::string ClientManager::ClientIdOf(const ConnectionPtr& connection,
                                      std::string_view group) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = consumers_.find(group);
    if (it != consumers_.end()) {
      auto channel = it->second.channels.find(connection.get());
      if (channel != it->second.channels.end()) return channel->second.client_id;
    }
  }
  return connection->RemoteAddress();
}

bool ClientManager::HasConsumerGroup(std::string_view group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return consumers_.find(group) != consumers_.end();
}

std::optional<protocol::SubscriptionData> ClientManager::FindSubscription(
    std::string_view group, std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return std::nullopt;
  auto sub = it->second.subscriptions.find(topic);
  if (sub == it->second.subscriptions.end()) return std::nullopt;
  return sub->second;
}

std::vector<std::string> ClientManager::SubscribedTopics(std::string_view group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> topics;
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return topics;
  for (const auto& [topic, sub] : it->second.subscriptions) topics.push_back(topic);
  return topics;
}

std::vector<std::string> ClientManager::ProducerGroups() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, group] : producers_) names.push_back(name);
  return names;
}

std::vector<std::string> ClientManager::ConsumerGroups() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, group] : consumers_) names.push_back(name);
  return names;
}

}  // namespace quiver::broker
