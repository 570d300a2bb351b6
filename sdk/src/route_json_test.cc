#include "quiver/protocol/route_json.h"

#include <string>

#include <gtest/gtest.h>

namespace quiver::protocol {
namespace {

// rocketmq-protocol.md §3.1, as a 5.x name server writes it for a version >= 401 client.
constexpr std::string_view kReferenceRoute = R"({
  "orderTopicConf": null,
  "queueDatas": [
    {"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,"perm":6,"topicSysFlag":0}
  ],
  "brokerDatas": [
    {"cluster":"DefaultCluster","brokerName":"broker-a",
     "brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"},
     "zoneName":null,"enableActingMaster":false}
  ],
  "filterServerTable": {},
  "topicQueueMappingByBroker": null
})";

TopicRouteData ReferenceRoute() {
  TopicRouteData route;
  route.queue_datas.push_back({"broker-a", 4, 4, 6, 0});
  route.broker_datas.push_back(
      {"DefaultCluster", "broker-a", {{0, "10.0.0.1:10911"}, {1, "10.0.0.2:10911"}}});
  return route;
}

TEST(RouteJsonTest, DecodesTheReferenceRouteOf5xNameServers) {
  StatusOr<TopicRouteData> route = DecodeTopicRouteData(kReferenceRoute);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(*route, ReferenceRoute());
}

TEST(RouteJsonTest, DecodesFastjsonUnquotedIntegerBrokerAddrsKeys) {
  // What a 4.x name server sends to a client reporting version < 401 (gotcha 5).
  constexpr std::string_view kLegacy =
      R"({"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},)"
      R"("brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},)"
      R"("queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,)"
      R"("topicSysFlag":0,"writeQueueNums":4}]})";
  StatusOr<TopicRouteData> route = DecodeTopicRouteData(kLegacy);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(*route, ReferenceRoute());
}

TEST(RouteJsonTest, AcceptsThePre49SpellingTopicSynFlag) {
  StatusOr<TopicRouteData> route = DecodeTopicRouteData(
      R"({"queueDatas":[{"brokerName":"b","readQueueNums":2,"writeQueueNums":1,"perm":4,)"
      R"("topicSynFlag":3}],"brokerDatas":[]})");
  ASSERT_TRUE(route.ok()) << route.status();
  ASSERT_EQ(route->queue_datas.size(), 1u);
  EXPECT_EQ(route->queue_datas[0], (QueueData{"b", 2, 1, 4, 3}));
}

TEST(RouteJsonTest, EncodesRouteAsStandardJsonWithQuotedKeysAndNoOrderTopicConf) {
  EXPECT_EQ(EncodeTopicRouteData(ReferenceRoute()),
            R"({"queueDatas":[{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,)"
            R"("perm":6,"topicSysFlag":0}],"brokerDatas":[{"cluster":"DefaultCluster",)"
            R"("brokerName":"broker-a","brokerAddrs":{"0":"10.0.0.1:10911",)"
            R"("1":"10.0.0.2:10911"}}],"filterServerTable":{}})");
}

TEST(RouteJsonTest, RouteSurvivesAnEncodeDecodeRoundTrip) {
  TopicRouteData route = ReferenceRoute();
  route.queue_datas.push_back({"broker-\"b\"", 8, 16, 2, 1});
  route.broker_datas.push_back({"Other", "broker-\"b\"", {{0, "h:1"}, {7, "h:2"}}});
  StatusOr<TopicRouteData> decoded = DecodeTopicRouteData(EncodeTopicRouteData(route));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, route);
}

TEST(RouteJsonTest, TruncatedJsonIsInvalidArgumentWithTheOffset) {
  EXPECT_EQ(DecodeTopicRouteData(R"({"queueDatas":)").status(),
            InvalidArgumentError("TopicRouteData: invalid JSON at offset 14: Invalid value."));
}

TEST(RouteJsonTest, EmptyBodyIsInvalidArgument) {
  EXPECT_EQ(
      DecodeTopicRouteData("").status(),
      InvalidArgumentError("TopicRouteData: invalid JSON at offset 0: The document is empty."));
}

TEST(RouteJsonTest, TrailingGarbageIsInvalidArgument) {
  EXPECT_EQ(DecodeDataVersion(R"({"counter":1} x)").status().code(), StatusCode::kInvalidArgument);
}

TEST(RouteJsonTest, RootThatIsNotAnObjectIsInvalidArgument) {
  EXPECT_EQ(DecodeTopicRouteData("[1,2]").status(),
            InvalidArgumentError("TopicRouteData: expected a JSON object"));
}

TEST(RouteJsonTest, WrongFieldTypeNamesThePath) {
  EXPECT_EQ(DecodeTopicRouteData(
                R"({"queueDatas":[{"brokerName":"a","readQueueNums":"4"}],"brokerDatas":[]})")
                .status(),
            InvalidArgumentError(
                "TopicRouteData: queueDatas[0].readQueueNums: expected a 32-bit integer"));
  EXPECT_EQ(DecodeTopicRouteData(R"({"queueDatas":{}})").status(),
            InvalidArgumentError("TopicRouteData: queueDatas: expected an array"));
  EXPECT_EQ(DecodeTopicRouteData(R"({"brokerDatas":[7]})").status(),
            InvalidArgumentError("TopicRouteData: brokerDatas[0]: expected an object"));
}

TEST(RouteJsonTest, QueueCountBeyond32BitsIsInvalidArgument) {
  EXPECT_EQ(DecodeTopicRouteData(R"({"queueDatas":[{"perm":3000000000}]})").status(),
            InvalidArgumentError("TopicRouteData: queueDatas[0].perm: expected a 32-bit integer"));
}

TEST(RouteJsonTest, NonIntegerBrokerAddrsKeyIsInvalidArgument) {
  EXPECT_EQ(
      DecodeTopicRouteData(R"({"brokerDatas":[{"brokerAddrs":{"master":"h:1"}}]})").status(),
      InvalidArgumentError("TopicRouteData: brokerDatas[0].brokerAddrs: key \"master\" is not a "
                           "broker id (an integer)"));
  EXPECT_EQ(
      DecodeTopicRouteData(R"({"brokerDatas":[{"brokerAddrs":{"0":5}}]})").status(),
      InvalidArgumentError("TopicRouteData: brokerDatas[0].brokerAddrs.0: expected a string"));
}

TEST(RouteJsonTest, DeeplyNestedGarbageDoesNotExhaustTheStack) {
  std::string nested = R"({"queueDatas":)" + std::string(200000, '[');
  EXPECT_EQ(DecodeTopicRouteData(nested).status().code(), StatusCode::kInvalidArgument);
}

// §3.3 exactly as Java name servers write it: unquoted integer keys whatever the client.
constexpr std::string_view kReferenceClusterInfo =
    R"({"brokerAddrTable":{"broker-a":{"cluster":"DefaultCluster","brokerName":"broker-a",)"
    R"("brokerAddrs":{0:"10.0.0.1:10911"}}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}})";

ClusterInfo ReferenceClusterInfo() {
  ClusterInfo info;
  info.broker_addr_table["broker-a"] = {"DefaultCluster", "broker-a", {{0, "10.0.0.1:10911"}}};
  info.cluster_addr_table["DefaultCluster"] = {"broker-a"};
  return info;
}

TEST(RouteJsonTest, DecodesClusterInfoWithUnquotedKeys) {
  StatusOr<ClusterInfo> info = DecodeClusterInfo(kReferenceClusterInfo);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(*info, ReferenceClusterInfo());
}

TEST(RouteJsonTest, EncodesClusterInfoWithQuotedKeys) {
  EXPECT_EQ(EncodeClusterInfo(ReferenceClusterInfo()),
            R"({"brokerAddrTable":{"broker-a":{"cluster":"DefaultCluster","brokerName":"broker-a",)"
            R"("brokerAddrs":{"0":"10.0.0.1:10911"}}},)"
            R"("clusterAddrTable":{"DefaultCluster":["broker-a"]}})");
}

TEST(RouteJsonTest, ClusterInfoWithANonArrayClusterEntryIsInvalidArgument) {
  EXPECT_EQ(DecodeClusterInfo(R"({"clusterAddrTable":{"C":"broker-a"}})").status(),
            InvalidArgumentError("ClusterInfo: clusterAddrTable.C: expected an array"));
}

// §3.2, the 5.x form with fields 4.x does not know.
constexpr std::string_view kReferenceRegisterBody = R"({
  "topicConfigSerializeWrapper": {
    "topicConfigTable": {
      "TopicA": {"topicName":"TopicA","readQueueNums":4,"writeQueueNums":4,"perm":6,
                 "topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false,"attributes":{}}
    },
    "dataVersion": {"stateVersion":0,"timestamp":1700000000000,"counter":12},
    "topicQueueMappingInfoMap": {}, "topicQueueMappingDetailMap": {},
    "mappingDataVersion": {"stateVersion":0,"timestamp":1700000000000,"counter":0}
  },
  "filterServerList": []
})";

TEST(RouteJsonTest, DecodesTheReferenceRegisterBrokerBody) {
  StatusOr<RegisterBrokerBody> body = DecodeRegisterBrokerBody(kReferenceRegisterBody);
  ASSERT_TRUE(body.ok()) << body.status();
  RegisterBrokerBody expected;
  expected.topic_config_table["TopicA"] = {"TopicA", 4, 4, 6, "SINGLE_TAG", 0, false};
  expected.data_version = {0, 1700000000000, 12};
  EXPECT_EQ(*body, expected);
}

TEST(RouteJsonTest, RegisterBrokerBodyTopicWithoutNameTakesItsKey) {
  StatusOr<RegisterBrokerBody> body = DecodeRegisterBrokerBody(
      R"({"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"readQueueNums":8,)"
      R"("order":true}},"dataVersion":{"timestamp":5,"counter":2}}})");
  ASSERT_TRUE(body.ok()) << body.status();
  ASSERT_EQ(body->topic_config_table.count("T"), 1u);
  const TopicConfig& t = body->topic_config_table.at("T");
  EXPECT_EQ(t.topic_name, "T");
  EXPECT_EQ(t.read_queue_nums, 8);
  EXPECT_EQ(t.write_queue_nums, 4);  // the default
  EXPECT_TRUE(t.order);
  EXPECT_EQ(body->data_version, (DataVersion{0, 5, 2}));
}

TEST(RouteJsonTest, EncodesRegisterBrokerBodyAs4xWrapper) {
  RegisterBrokerBody body;
  body.topic_config_table["T"] = {"T", 2, 3, 6, "SINGLE_TAG", 0, true};
  body.data_version = {1, 1700000000000, 3};
  EXPECT_EQ(EncodeRegisterBrokerBody(body),
            R"({"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicName":"T",)"
            R"("readQueueNums":2,"writeQueueNums":3,"perm":6,"topicFilterType":"SINGLE_TAG",)"
            R"("topicSysFlag":0,"order":true}},"dataVersion":{"stateVersion":1,)"
            R"("timestamp":1700000000000,"counter":3}},"filterServerList":[]})");
  StatusOr<RegisterBrokerBody> decoded = DecodeRegisterBrokerBody(EncodeRegisterBrokerBody(body));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, body);
}

TEST(RouteJsonTest, RegisterBrokerBodyWithBadOrderFieldNamesTheTopic) {
  EXPECT_EQ(DecodeRegisterBrokerBody(
                R"({"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"order":1}}}})")
                .status(),
            InvalidArgumentError("RegisterBrokerBody: topicConfigSerializeWrapper."
                                 "topicConfigTable.T.order: expected true or false"));
}

TEST(RouteJsonTest, TopicListRoundTripsAndIgnoresBrokerAddr) {
  EXPECT_EQ(EncodeTopicList({"A", "B"}), R"({"topicList":["A","B"]})");
  StatusOr<std::vector<std::string>> topics =
      DecodeTopicList(R"({"topicList":["A","B"],"brokerAddr":null})");
  ASSERT_TRUE(topics.ok()) << topics.status();
  EXPECT_EQ(*topics, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(DecodeTopicList(R"({"topicList":["A",1]})").status(),
            InvalidArgumentError("TopicList: topicList[1]: expected a string"));
}

TEST(RouteJsonTest, DataVersionOf4xHasNoStateVersion) {
  StatusOr<DataVersion> v = DecodeDataVersion(R"({"timestamp":1700000000000,"counter":12})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, (DataVersion{0, 1700000000000, 12}));
  EXPECT_EQ(EncodeDataVersion({2, 3, 4}), R"({"stateVersion":2,"timestamp":3,"counter":4})");
  EXPECT_EQ(DecodeDataVersion(R"({"counter":1.5})").status(),
            InvalidArgumentError("DataVersion: counter: expected a 64-bit integer"));
}

}  // namespace
}  // namespace quiver::protocol
