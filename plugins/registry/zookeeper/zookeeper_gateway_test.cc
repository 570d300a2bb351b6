#include "zookeeper_gateway.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/route_json.h"

namespace quiver::registry::zookeeper {
namespace {

namespace code = protocol::request_code;
namespace response = protocol::response_code;

BrokerSnapshot OneBroker() {
  BrokerRegistration r;
  r.identity.cluster = "C";
  r.identity.broker_name = "a";
  r.identity.address = "h:1";
  TopicConfig t;
  t.topic_name = "T";
  r.topics["T"] = t;
  return {{"/q/C/brokers/a/0", r}};
}

TEST(ZookeeperGatewayTest, AnswersRoutesInTheNameServerShape) {
  RemotingCommand request = RemotingCommand::Request(code::kGetRouteinfoByTopic);
  request.SetExt("topic", "T");
  RemotingCommand reply = ZookeeperGateway::Answer(OneBroker(), request);
  ASSERT_EQ(reply.code, response::kSuccess);
  StatusOr<TopicRouteData> route = protocol::DecodeTopicRouteData(reply.body.ToString());
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->broker_datas.at(0).broker_addrs.at(0), "h:1");

  request.SetExt("topic", "Missing");
  EXPECT_EQ(ZookeeperGateway::Answer(OneBroker(), request).code, response::kTopicNotExist);

  RemotingCommand cluster = RemotingCommand::Request(code::kGetBrokerClusterInfo);
  reply = ZookeeperGateway::Answer(OneBroker(), cluster);
  ASSERT_EQ(reply.code, response::kSuccess);
  EXPECT_EQ(protocol::DecodeClusterInfo(reply.body.ToString())->cluster_addr_table.at("C"),
            std::vector<std::string>{"a"});

  RemotingCommand list = RemotingCommand::Request(code::kGetAllTopicListFromNameserver);
  reply = ZookeeperGateway::Answer(OneBroker(), list);
  EXPECT_EQ(*protocol::DecodeTopicList(reply.body.ToString()), std::vector<std::string>{"T"});
}

TEST(ZookeeperGatewayTest, RefusesRegistrationSayingBrokersRegisterInZooKeeper) {
  RemotingCommand request = RemotingCommand::Request(code::kRegisterBroker);
  RemotingCommand reply = ZookeeperGateway::Answer(OneBroker(), request);
  EXPECT_EQ(reply.code, response::kSystemError);
  ASSERT_TRUE(reply.remark);
  EXPECT_THAT(*reply.remark, ::testing::HasSubstr("brokers register in ZooKeeper"));
}

TEST(ZookeeperGatewayTest, RouteRequestWithoutTopicIsASystemError) {
  RemotingCommand request = RemotingCommand::Request(code::kGetRouteinfoByTopic);
  EXPECT_EQ(ZookeeperGateway::Answer(OneBroker(), request).code, response::kSystemError);
}

}  // namespace
}  // namespace quiver::registry::zookeeper
