#include "route_table.h"

#include <iterator>
#include <mutex>

namespace quiver::registry::nameserver {

RegistrationReply RouteTable::RegisterBroker(const BrokerRegistrationRequest& request,
                                             TimePoint now) {
  std::unique_lock lock(mu_);
  RegistrationReply reply;

  // 1. The group joins its cluster; a new group starts with no addresses.
  cluster_addr_table_[request.cluster].insert(request.broker_name);
  bool register_first = false;
  auto group_it = broker_addr_table_.find(request.broker_name);
  if (group_it == broker_addr_table_.end()) {
    register_first = true;
    group_it =
        broker_addr_table_
            .emplace(request.broker_name, BrokerData{request.cluster, request.broker_name, {}})
            .first;
  }
  std::map<std::int64_t, std::string>& addrs = group_it->second.broker_addrs;

  // 3. Another address holding this id with a newer state version wins.
  auto same_id = addrs.find(request.broker_id);
  if (same_id != addrs.end() && same_id->second != request.broker_addr) {
    auto other = broker_live_table_.find(same_id->second);
    if (other != broker_live_table_.end() &&
        other->second.data_version.state_version > request.data_version.state_version) {
      reply.ignored = true;
      return reply;
    }
  }

  // 2. The same address under another id (slave -> master switch) is replaced.
  for (auto it = addrs.begin(); it != addrs.end();) {
    if (it->second == request.broker_addr && it->first != request.broker_id) {
      it = addrs.erase(it);
    } else {
      ++it;
    }
  }

  // 5. Record the address.
  auto [addr_it, inserted] = addrs.insert_or_assign(request.broker_id, request.broker_addr);
  register_first = register_first || inserted;

  // 6. A master's topic table defines the group's queues when it is new or changed.
  if (request.broker_id == kMasterBrokerId.value()) {
    auto live = broker_live_table_.find(request.broker_addr);
    bool changed =
        live == broker_live_table_.end() || live->second.data_version != request.data_version;
    for (const auto& [topic, config] : request.topics) {
      std::map<std::string, QueueData>& queues = topic_queue_table_[topic];
      auto q = queues.find(request.broker_name);
      if (register_first || changed || q == queues.end()) {
        queues[request.broker_name] =
            QueueData{request.broker_name, config.read_queue_nums, config.write_queue_nums,
                      config.perm, config.topic_sys_flag};
      }
    }
    if (register_first || changed) {
      for (auto t = topic_queue_table_.begin(); t != topic_queue_table_.end();) {
        if (request.topics.count(t->first) == 0) t->second.erase(request.broker_name);
        t = t->second.empty() ? topic_queue_table_.erase(t) : std::next(t);
      }
    }
  }

  // 7. Refresh the live entry.
  LiveBroker& entry = broker_live_table_[request.broker_addr];
  entry.cluster = request.cluster;
  entry.broker_name = request.broker_name;
  entry.broker_id = request.broker_id;
  entry.last_update = now;
  entry.data_version = request.data_version;
  entry.ha_server_addr = request.ha_server_addr;
  entry.connection_id = request.connection_id;

  // 8. A slave learns its live master.
  if (request.broker_id != kMasterBrokerId.value()) {
    auto master = addrs.find(kMasterBrokerId.value());
    if (master != addrs.end()) {
      auto master_live = broker_live_table_.find(master->second);
      if (master_live != broker_live_table_.end()) {
        reply.master_addr = master->second;
        reply.ha_server_addr = master_live->second.ha_server_addr;
      }
    }
  }
  return reply;
}

void RouteTable::UnregisterBroker(const std::string& cluster, const std::string& broker_addr,
                                  const std::string& broker_name, std::int64_t broker_id) {
  std::unique_lock lock(mu_);
  broker_live_table_.erase(broker_addr);
  auto group = broker_addr_table_.find(broker_name);
  if (group == broker_addr_table_.end()) return;
  auto addr = group->second.broker_addrs.find(broker_id);
  if (addr != group->second.broker_addrs.end() && addr->second == broker_addr) {
    group->second.broker_addrs.erase(addr);
  }
  RemoveGroupIfEmptyLocked(broker_name);
}

void RouteTable::RemoveBrokerLocked(const std::string& broker_addr) {
  broker_live_table_.erase(broker_addr);
  std::vector<std::string> touched;
  for (auto& [name, data] : broker_addr_table_) {
    for (auto it = data.broker_addrs.begin(); it != data.broker_addrs.end();) {
      if (it->second == broker_addr) {
        it = data.broker_addrs.erase(it);
        touched.push_back(name);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& name : touched) RemoveGroupIfEmptyLocked(name);
}

void RouteTable::RemoveGroupIfEmptyLocked(const std::string& broker_name) {
  auto group = broker_addr_table_.find(broker_name);
  if (group == broker_addr_table_.end() || !group->second.broker_addrs.empty()) return;
  broker_addr_table_.erase(group);
  for (auto c = cluster_addr_table_.begin(); c != cluster_addr_table_.end();) {
    c->second.erase(broker_name);
    c = c->second.empty() ? cluster_addr_table_.erase(c) : std::next(c);
  }
  for (auto t = topic_queue_table_.begin(); t != topic_queue_table_.end();) {
    t->second.erase(broker_name);
    t = t->second.empty() ? topic_queue_table_.erase(t) : std::next(t);
  }
}

std::vector<std::string> RouteTable::RemoveExpired(TimePoint now, Duration expiry) {
  std::unique_lock lock(mu_);
  std::vector<std::string> expired;
  for (const auto& [addr, live] : broker_live_table_) {
    if (live.last_update + expiry < now) expired.push_back(addr);
  }
  for (const std::string& addr : expired) RemoveBrokerLocked(addr);
  return expired;
}

std::vector<std::string> RouteTable::RemoveConnection(std::uint64_t connection_id) {
  std::unique_lock lock(mu_);
  std::vector<std::string> gone;
  if (connection_id == 0) return gone;
  for (const auto& [addr, live] : broker_live_table_) {
    if (live.connection_id == connection_id) gone.push_back(addr);
  }
  for (const std::string& addr : gone) RemoveBrokerLocked(addr);
  return gone;
}

std::optional<TopicRouteData> RouteTable::GetRoute(const std::string& topic) const {
  std::shared_lock lock(mu_);
  auto t = topic_queue_table_.find(topic);
  if (t == topic_queue_table_.end()) return std::nullopt;
  TopicRouteData route;
  for (const auto& [name, queue] : t->second) {
    route.queue_datas.push_back(queue);
    auto group = broker_addr_table_.find(name);
    if (group != broker_addr_table_.end()) route.broker_datas.push_back(group->second);
  }
  if (route.queue_datas.empty() || route.broker_datas.empty()) return std::nullopt;
  return route;
}

ClusterInfo RouteTable::GetClusterInfo() const {
  std::shared_lock lock(mu_);
  ClusterInfo info;
  info.broker_addr_table = broker_addr_table_;
  for (const auto& [cluster, names] : cluster_addr_table_) {
    info.cluster_addr_table[cluster].assign(names.begin(), names.end());
  }
  return info;
}

std::vector<std::string> RouteTable::GetAllTopics() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> topics;
  for (const auto& [topic, queues] : topic_queue_table_) topics.push_back(topic);
  return topics;
}

std::vector<std::string> RouteTable::GetTopicsByCluster(const std::string& cluster) const {
  std::shared_lock lock(mu_);
  std::vector<std::string> topics;
  auto c = cluster_addr_table_.find(cluster);
  if (c == cluster_addr_table_.end()) return topics;
  for (const auto& [topic, queues] : topic_queue_table_) {
    for (const auto& [name, queue] : queues) {
      if (c->second.count(name) != 0) {
        topics.push_back(topic);
        break;
      }
    }
  }
  return topics;
}

void RouteTable::DeleteTopic(const std::string& topic, const std::string& cluster) {
  std::unique_lock lock(mu_);
  auto t = topic_queue_table_.find(topic);
  if (t == topic_queue_table_.end()) return;
  if (cluster.empty()) {
    topic_queue_table_.erase(t);
    return;
  }
  auto c = cluster_addr_table_.find(cluster);
  if (c == cluster_addr_table_.end()) return;
  for (const std::string& name : c->second) t->second.erase(name);
  if (t->second.empty()) topic_queue_table_.erase(t);
}

DataVersionCheck RouteTable::QueryDataVersion(const std::string& broker_addr,
                                              const DataVersion& version, TimePoint now) {
  std::unique_lock lock(mu_);
  DataVersionCheck check;
  auto live = broker_live_table_.find(broker_addr);
  if (live == broker_live_table_.end()) return check;
  check.changed = live->second.data_version != version;
  check.current = live->second.data_version;
  live->second.last_update = now;
  return check;
}

bool RouteTable::IsLive(const std::string& broker_addr) const {
  std::shared_lock lock(mu_);
  return broker_live_table_.count(broker_addr) != 0;
}

}  // namespace quiver::registry::nameserver
