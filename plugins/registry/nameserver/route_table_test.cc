#include "route_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::registry::nameserver {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint() + 1000s;

TopicConfig Topic(const std::string& name, std::int32_t queues) {
  TopicConfig t;
  t.topic_name = name;
  t.read_queue_nums = queues;
  t.write_queue_nums = queues;
  return t;
}

BrokerRegistrationRequest Broker(const std::string& name, const std::string& addr, std::int64_t id,
                                 std::vector<TopicConfig> topics = {},
                                 DataVersion version = {0, 1, 1}, std::uint64_t connection = 0,
                                 const std::string& cluster = "DefaultCluster") {
  BrokerRegistrationRequest r;
  r.cluster = cluster;
  r.broker_name = name;
  r.broker_addr = addr;
  r.ha_server_addr = addr + "-ha";
  r.broker_id = id;
  r.data_version = version;
  for (TopicConfig& t : topics) r.topics[t.topic_name] = t;
  r.connection_id = connection;
  return r;
}

TEST(RouteTableTest, RegisteredMasterServesItsTopics) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "10.0.0.1:10911", 0, {Topic("T", 4)}), kT0);
  std::optional<TopicRouteData> route = table.GetRoute("T");
  ASSERT_TRUE(route.has_value());
  EXPECT_THAT(route->queue_datas, ElementsAre(QueueData{"broker-a", 4, 4, 6, 0}));
  EXPECT_THAT(route->broker_datas,
              ElementsAre(BrokerData{"DefaultCluster", "broker-a", {{0, "10.0.0.1:10911"}}}));
}

TEST(RouteTableTest, UnknownTopicHasNoRoute) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  EXPECT_FALSE(table.GetRoute("U").has_value());
}

TEST(RouteTableTest, RouteListsGroupsSortedByName) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {Topic("T", 2)}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  std::optional<TopicRouteData> route = table.GetRoute("T");
  ASSERT_TRUE(route.has_value());
  ASSERT_EQ(route->queue_datas.size(), 2u);
  EXPECT_EQ(route->queue_datas[0].broker_name, "broker-a");
  EXPECT_EQ(route->queue_datas[1].broker_name, "broker-b");
  EXPECT_EQ(route->broker_datas[0].broker_name, "broker-a");
}

TEST(RouteTableTest, BrokerSilentForLongerThanExpiryIsRemovedWithItsRoutes) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  EXPECT_THAT(table.RemoveExpired(kT0 + 120s, 120s), IsEmpty());
  EXPECT_TRUE(table.IsLive("a:1"));
  EXPECT_THAT(table.RemoveExpired(kT0 + 121s, 120s), ElementsAre("a:1"));
  EXPECT_FALSE(table.IsLive("a:1"));
  EXPECT_FALSE(table.GetRoute("T").has_value());
  EXPECT_EQ(table.GetClusterInfo(), ClusterInfo{});
  EXPECT_THAT(table.GetAllTopics(), IsEmpty());
}

TEST(RouteTableTest, HeartbeatKeepsABrokerAlive) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0 + 100s);
  EXPECT_THAT(table.RemoveExpired(kT0 + 200s, 120s), IsEmpty());
  EXPECT_TRUE(table.GetRoute("T").has_value());
}

TEST(RouteTableTest, ClosedConnectionRemovesItsBrokerAtOnce) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}, 7), kT0);
  EXPECT_THAT(table.RemoveConnection(8), IsEmpty());
  EXPECT_TRUE(table.GetRoute("T").has_value());
  EXPECT_THAT(table.RemoveConnection(7), ElementsAre("a:1"));
  EXPECT_FALSE(table.GetRoute("T").has_value());
}

TEST(RouteTableTest, BrokerThatReconnectedSurvivesTheCloseOfItsOldConnection) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}, 7), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}, 9), kT0);
  EXPECT_THAT(table.RemoveConnection(7), IsEmpty());
  EXPECT_TRUE(table.IsLive("a:1"));
}

TEST(RouteTableTest, SlaveRegistrationNeverChangesQueueData) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:2", 1, {Topic("T", 8), Topic("U", 4)}, {0, 2, 2}),
                       kT0);
  std::optional<TopicRouteData> route = table.GetRoute("T");
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->queue_datas[0].read_queue_nums, 4);
  EXPECT_EQ(route->broker_datas[0].broker_addrs,
            (std::map<std::int64_t, std::string>{{0, "a:1"}, {1, "a:2"}}));
  EXPECT_FALSE(table.GetRoute("U").has_value());
}

TEST(RouteTableTest, SlaveLearnsTheAddressesOfItsLiveMaster) {
  RouteTable table;
  RegistrationReply orphan = table.RegisterBroker(Broker("broker-a", "a:2", 1), kT0);
  EXPECT_EQ(orphan.master_addr, "");
  EXPECT_EQ(orphan.ha_server_addr, "");
  RegistrationReply master = table.RegisterBroker(Broker("broker-a", "a:1", 0), kT0);
  EXPECT_EQ(master.master_addr, "");  // only slaves are told
  RegistrationReply slave = table.RegisterBroker(Broker("broker-a", "a:2", 1), kT0);
  EXPECT_EQ(slave.master_addr, "a:1");
  EXPECT_EQ(slave.ha_server_addr, "a:1-ha");
}

TEST(RouteTableTest, TopicStaysRoutableThroughASlaveWhenTheMasterIsGone) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}, 1), kT0);
  table.RegisterBroker(Broker("broker-a", "a:2", 1, {Topic("T", 4)}, {0, 1, 1}, 2), kT0);
  table.RemoveConnection(1);
  std::optional<TopicRouteData> route = table.GetRoute("T");
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->broker_datas[0].broker_addrs, (std::map<std::int64_t, std::string>{{1, "a:2"}}));
  table.RemoveConnection(2);
  EXPECT_FALSE(table.GetRoute("T").has_value());
}

TEST(RouteTableTest, MasterQueueDataChangesOnlyWithItsDataVersion) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 8)}, {0, 1, 1}), kT0);
  EXPECT_EQ(table.GetRoute("T")->queue_datas[0].read_queue_nums, 4);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 8)}, {0, 2, 2}), kT0);
  EXPECT_EQ(table.GetRoute("T")->queue_datas[0].read_queue_nums, 8);
}

TEST(RouteTableTest, NewTopicOfAnUnchangedVersionIsStillAdded) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 1, 1}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4), Topic("U", 2)}, {0, 1, 1}),
                       kT0);
  ASSERT_TRUE(table.GetRoute("U").has_value());
  EXPECT_EQ(table.GetRoute("U")->queue_datas[0].read_queue_nums, 2);
}

TEST(RouteTableTest, MasterThatNoLongerHasATopicLeavesItsRoute) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4), Topic("U", 4)}, {0, 1, 1}),
                       kT0);
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {Topic("U", 4)}, {0, 1, 1}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 2, 2}), kT0);
  ASSERT_TRUE(table.GetRoute("U").has_value());
  EXPECT_THAT(table.GetRoute("U")->queue_datas, ElementsAre(QueueData{"broker-b", 4, 4, 6, 0}));
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {}, {0, 3, 3}), kT0);
  EXPECT_FALSE(table.GetRoute("T").has_value());
  EXPECT_THAT(table.GetAllTopics(), ElementsAre("U"));
}

TEST(RouteTableTest, SlavePromotedToMasterReplacesItsOldId) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:2", 1, {}, {0, 1, 1}), kT0);
  table.RegisterBroker(Broker("broker-a", "a:2", 0, {Topic("T", 4)}, {0, 1, 2}), kT0);
  EXPECT_EQ(table.GetRoute("T")->broker_datas[0].broker_addrs,
            (std::map<std::int64_t, std::string>{{0, "a:2"}}));
}

TEST(RouteTableTest, RegistrationWithAnOlderStateVersionForATakenIdIsIgnored) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {5, 1, 1}), kT0);
  RegistrationReply reply =
      table.RegisterBroker(Broker("broker-a", "a:9", 0, {Topic("T", 8)}, {3, 1, 1}), kT0);
  EXPECT_TRUE(reply.ignored);
  EXPECT_FALSE(table.IsLive("a:9"));
  EXPECT_EQ(table.GetRoute("T")->broker_datas[0].broker_addrs,
            (std::map<std::int64_t, std::string>{{0, "a:1"}}));
  EXPECT_EQ(table.GetRoute("T")->queue_datas[0].read_queue_nums, 4);
}

TEST(RouteTableTest, ClusterInfoListsEveryClusterAndGroup) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {}, {}, 0, "C1"), kT0);
  table.RegisterBroker(Broker("broker-a", "a:2", 1, {}, {}, 0, "C1"), kT0);
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {}, {}, 0, "C1"), kT0);
  table.RegisterBroker(Broker("broker-c", "c:1", 0, {}, {}, 0, "C2"), kT0);
  ClusterInfo info = table.GetClusterInfo();
  EXPECT_THAT(info.cluster_addr_table["C1"], ElementsAre("broker-a", "broker-b"));
  EXPECT_THAT(info.cluster_addr_table["C2"], ElementsAre("broker-c"));
  EXPECT_EQ(info.broker_addr_table["broker-a"],
            (BrokerData{"C1", "broker-a", {{0, "a:1"}, {1, "a:2"}}}));
  EXPECT_EQ(info.broker_addr_table.size(), 3u);
}

TEST(RouteTableTest, UnregisterRemovesTheGroupAndTopicsOnlyItServed) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4), Topic("S", 4)}), kT0);
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {Topic("S", 4)}), kT0);
  table.UnregisterBroker("DefaultCluster", "a:1", "broker-a", 0);
  EXPECT_FALSE(table.IsLive("a:1"));
  EXPECT_FALSE(table.GetRoute("T").has_value());
  EXPECT_THAT(table.GetRoute("S")->queue_datas, ElementsAre(QueueData{"broker-b", 4, 4, 6, 0}));
  EXPECT_THAT(table.GetClusterInfo().cluster_addr_table["DefaultCluster"], ElementsAre("broker-b"));
}

TEST(RouteTableTest, UnregisterOfAStaleAddressKeepsTheCurrentHolderOfTheId) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}), kT0);
  table.UnregisterBroker("DefaultCluster", "old:1", "broker-a", 0);
  EXPECT_TRUE(table.GetRoute("T").has_value());
}

TEST(RouteTableTest, TopicsByClusterListsTopicsWithQueuesInThatCluster) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {}, 0, "C1"), kT0);
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {Topic("U", 4), Topic("T", 1)}, {}, 0, "C2"),
                       kT0);
  EXPECT_THAT(table.GetTopicsByCluster("C1"), ElementsAre("T"));
  EXPECT_THAT(table.GetTopicsByCluster("C2"), ElementsAre("T", "U"));
  EXPECT_THAT(table.GetTopicsByCluster("nope"), IsEmpty());
}

TEST(RouteTableTest, DeleteTopicRemovesItEverywhereOrInOneCluster) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4), Topic("U", 4)}, {}, 0, "C1"),
                       kT0);
  table.RegisterBroker(Broker("broker-b", "b:1", 0, {Topic("T", 4)}, {}, 0, "C2"), kT0);
  table.DeleteTopic("T", "C1");
  EXPECT_THAT(table.GetRoute("T")->queue_datas, ElementsAre(QueueData{"broker-b", 4, 4, 6, 0}));
  table.DeleteTopic("U", "");
  EXPECT_FALSE(table.GetRoute("U").has_value());
  table.DeleteTopic("T", "");
  EXPECT_THAT(table.GetAllTopics(), IsEmpty());
}

TEST(RouteTableTest, QueryDataVersionComparesAndRefreshesTheLiveEntry) {
  RouteTable table;
  table.RegisterBroker(Broker("broker-a", "a:1", 0, {Topic("T", 4)}, {0, 10, 3}), kT0);
  DataVersionCheck same = table.QueryDataVersion("a:1", {0, 10, 3}, kT0 + 100s);
  EXPECT_FALSE(same.changed);
  EXPECT_EQ(same.current, (DataVersion{0, 10, 3}));
  EXPECT_TRUE(table.QueryDataVersion("a:1", {0, 11, 4}, kT0 + 100s).changed);
  EXPECT_THAT(table.RemoveExpired(kT0 + 200s, 120s), IsEmpty());  // refreshed at +100 s
  DataVersionCheck unknown = table.QueryDataVersion("x:1", {0, 10, 3}, kT0);
  EXPECT_TRUE(unknown.changed);
  EXPECT_FALSE(unknown.current.has_value());
}

}  // namespace
}  // namespace quiver::registry::nameserver
