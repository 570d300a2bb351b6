#include "route_builder.h"

#include <set>

namespace quiver::registry::zookeeper {
namespace {

struct Group {
  BrokerData data;
  const BrokerRegistration* queue_source = nullptr;  // master, else lowest-id slave
};

std::map<std::string, Group> Groups(const BrokerSnapshot& brokers) {
  std::map<std::string, Group> groups;
  for (const auto& [path, r] : brokers) {
    const BrokerIdentity& id = r.identity;
    Group& g = groups[id.broker_name];
    g.data.cluster = id.cluster;
    g.data.broker_name = id.broker_name;
    g.data.broker_addrs[id.broker_id.value()] = id.address;
    if (g.queue_source == nullptr ||
        id.broker_id.value() < g.queue_source->identity.broker_id.value()) {
      g.queue_source = &r;
    }
  }
  return groups;
}

}  // namespace

std::optional<TopicRouteData> BuildRoute(const BrokerSnapshot& brokers, const std::string& topic) {
  TopicRouteData route;
  for (const auto& [name, group] : Groups(brokers)) {
    auto t = group.queue_source->topics.find(topic);
    if (t == group.queue_source->topics.end()) continue;
    QueueData q;
    q.broker_name = name;
    q.read_queue_nums = t->second.read_queue_nums;
    q.write_queue_nums = t->second.write_queue_nums;
    q.perm = t->second.perm;
    q.topic_sys_flag = t->second.topic_sys_flag;
    route.queue_datas.push_back(std::move(q));
    route.broker_datas.push_back(group.data);
  }
  if (route.queue_datas.empty()) return std::nullopt;
  return route;
}

ClusterInfo BuildClusterInfo(const BrokerSnapshot& brokers) {
  ClusterInfo info;
  for (auto& [name, group] : Groups(brokers)) {
    info.cluster_addr_table[group.data.cluster].push_back(name);
    info.broker_addr_table[name] = std::move(group.data);
  }
  return info;
}

std::vector<std::string> BuildTopicList(const BrokerSnapshot& brokers) {
  std::set<std::string> topics;
  for (const auto& [name, group] : Groups(brokers)) {
    for (const auto& [topic, config] : group.queue_source->topics) topics.insert(topic);
  }
  return {topics.begin(), topics.end()};
}

}  // namespace quiver::registry::zookeeper
