#include "route_builder.h"

#include <gtest/gtest.h>

namespace quiver::registry::zookeeper {
namespace {

BrokerRegistration Broker(const std::string& name, std::int64_t id, const std::string& address,
                          std::map<std::string, int> topics) {
  BrokerRegistration r;
  r.identity.cluster = "C";
  r.identity.broker_name = name;
  r.identity.broker_id = BrokerId(id);
  r.identity.address = address;
  for (const auto& [topic, queues] : topics) {
    TopicConfig t;
    t.topic_name = topic;
    t.read_queue_nums = queues;
    t.write_queue_nums = queues;
    r.topics[topic] = t;
  }
  return r;
}

TEST(RouteBuilderTest, RouteListsEveryGroupServingTheTopicSortedByName) {
  BrokerSnapshot brokers{
      {"/q/C/brokers/b/0", Broker("b", 0, "h:2", {{"T", 8}})},
      {"/q/C/brokers/a/0", Broker("a", 0, "h:1", {{"T", 4}, {"U", 1}})},
      {"/q/C/brokers/a/1", Broker("a", 1, "h:3", {{"T", 99}})},
  };
  std::optional<TopicRouteData> route = BuildRoute(brokers, "T");
  ASSERT_TRUE(route);
  ASSERT_EQ(route->queue_datas.size(), 2u);
  EXPECT_EQ(route->queue_datas[0].broker_name, "a");
  // Queue data comes from the master, not the slave.
  EXPECT_EQ(route->queue_datas[0].write_queue_nums, 4);
  EXPECT_EQ(route->queue_datas[1].broker_name, "b");
  EXPECT_EQ(route->broker_datas[0].broker_addrs,
            (std::map<std::int64_t, std::string>{{0, "h:1"}, {1, "h:3"}}));
  EXPECT_FALSE(BuildRoute(brokers, "Nope"));
}

TEST(RouteBuilderTest, SlaveServesQueueDataWhileItsMasterIsGone) {
  BrokerSnapshot brokers{{"/q/C/brokers/a/1", Broker("a", 1, "h:3", {{"T", 2}})}};
  std::optional<TopicRouteData> route = BuildRoute(brokers, "T");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->queue_datas[0].read_queue_nums, 2);
  EXPECT_EQ(route->broker_datas[0].broker_addrs.count(0), 0u);
}

TEST(RouteBuilderTest, ClusterInfoAndTopicListCoverEveryGroup) {
  BrokerSnapshot brokers{
      {"/q/C/brokers/a/0", Broker("a", 0, "h:1", {{"T", 4}, {"U", 1}})},
      {"/q/C/brokers/b/0", Broker("b", 0, "h:2", {{"T", 8}})},
  };
  ClusterInfo info = BuildClusterInfo(brokers);
  EXPECT_EQ(info.cluster_addr_table["C"], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(info.broker_addr_table["b"].broker_addrs.at(0), "h:2");
  EXPECT_EQ(BuildTopicList(brokers), (std::vector<std::string>{"T", "U"}));
  EXPECT_EQ(BuildTopicList({}), std::vector<std::string>{});
}

}  // namespace
}  // namespace quiver::registry::zookeeper
