// The name-server facet at the request level, as a Java broker or client would talk to it,
// over the SDK's fake transport.
#include "nameserver_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nameserver_factory.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/route_json.h"
#include "requests.h"
#include "test_support.h"

namespace quiver::registry::nameserver {
namespace {

using namespace std::chrono_literals;
namespace code = protocol::request_code;
namespace response = protocol::response_code;

constexpr char kNs[] = "ns1:9876";

BrokerRegistration Registration(const std::string& name, const std::string& addr, std::int64_t id,
                                std::vector<std::string> topics, std::int64_t counter = 1) {
  BrokerRegistration r;
  r.identity.broker_name = name;
  r.identity.address = addr;
  r.identity.ha_address = addr + "-ha";
  r.identity.broker_id = BrokerId(id);
  for (const std::string& t : topics) {
    TopicConfig config;
    config.topic_name = t;
    r.topics[t] = config;
  }
  r.data_version = {0, 1700000000000, counter};
  return r;
}

class NameserverServerTest : public ::testing::Test {
 protected:
  NameserverServerTest()
      : net_(clock_), node_(clock_, executor_, {}), transport_(net_.CreateServer()) {
    node_.context.role = NodeRole::kNameserver;
    node_.context.transport_server = transport_.get();
    StatusOr<std::unique_ptr<RegistryServer>> server = factory_.CreateServer(node_.context);
    QUIVER_CHECK(server.ok());
    server_ = std::move(server).value();
    QUIVER_CHECK(server_->Start().ok());
    QUIVER_CHECK(transport_->Start(kNs).ok());
    client_ = net_.CreateClient("broker-a:40000");
  }

  // Sends `request` from the test's client and returns the response.
  RemotingCommand Call(RemotingCommand request) {
    StatusOr<RemotingCommand> response = client_->InvokeSync(kNs, std::move(request), 3s);
    QUIVER_CHECK_MSG(response.ok(), response.status().ToString());
    return std::move(response).value();
  }
  RemotingCommand GetRoute(const std::string& topic) {
    RemotingCommand request = RemotingCommand::Request(code::kGetRouteinfoByTopic);
    request.SetExt("topic", topic);
    return Call(std::move(request));
  }

  testing::ManualClock clock_;
  testing::ManualExecutor executor_;
  testing::FakeNetwork net_;
  TestNode node_;
  NameserverRegistryFactory factory_;
  std::unique_ptr<testing::FakeTransportServer> transport_;
  std::unique_ptr<RegistryServer> server_;
  std::unique_ptr<testing::FakeTransportClient> client_;
};

TEST_F(NameserverServerTest, RegisteredTopicIsServedAsRouteJson) {
  RemotingCommand reply =
      Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"})));
  EXPECT_EQ(reply.code, response::kSuccess);
  EXPECT_TRUE(reply.is_response());
  RemotingCommand route = GetRoute("T");
  ASSERT_EQ(route.code, response::kSuccess);
  EXPECT_EQ(route.body.ToString(),
            R"({"queueDatas":[{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,)"
            R"("perm":6,"topicSysFlag":0}],"brokerDatas":[{"cluster":"DefaultCluster",)"
            R"("brokerName":"broker-a","brokerAddrs":{"0":"a:1"}}],"filterServerTable":{}})");
}

TEST_F(NameserverServerTest, UnknownTopicAnswersTopicNotExistWithRocketMqRemark) {
  RemotingCommand reply = GetRoute("Nope");
  EXPECT_EQ(reply.code, response::kTopicNotExist);
  EXPECT_EQ(reply.remark, "No topic route info in name server for the topic: Nope");
}

TEST_F(NameserverServerTest, RegistrationWithAWrongBodyCrcIsRefused) {
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}));
  request.SetExt("bodyCrc32", std::int64_t{12345});
  RemotingCommand reply = Call(std::move(request));
  EXPECT_EQ(reply.code, response::kSystemError);
  EXPECT_EQ(reply.remark, "crc32 not match");
  EXPECT_EQ(GetRoute("T").code, response::kTopicNotExist);
}

TEST_F(NameserverServerTest, RegistrationWithoutCrcSkipsTheCheck) {
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}));
  request.SetExt("bodyCrc32", std::int64_t{0});
  EXPECT_EQ(Call(std::move(request)).code, response::kSuccess);
  EXPECT_EQ(GetRoute("T").code, response::kSuccess);
}

TEST_F(NameserverServerTest, RegistrationMissingAFieldNamesIt) {
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}));
  request.ext_fields.erase("brokerAddr");
  RemotingCommand reply = Call(std::move(request));
  EXPECT_EQ(reply.code, response::kSystemError);
  EXPECT_EQ(reply.remark, "the custom field brokerAddr is null");
}

TEST_F(NameserverServerTest, RegistrationWithAMalformedBodyIsRefused) {
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {}));
  request.body = BufferList(Buffer::FromString("{\"topicConfigSerializeWrapper\":7}"));
  request.ext_fields.erase("bodyCrc32");
  RemotingCommand reply = Call(std::move(request));
  EXPECT_EQ(reply.code, response::kSystemError);
  EXPECT_EQ(reply.remark, "RegisterBrokerBody: topicConfigSerializeWrapper: expected an object");
}

TEST_F(NameserverServerTest, CompressedRegistrationIsRefusedWithAHint) {
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}));
  request.SetExt("compressed", "true");
  RemotingCommand reply = Call(std::move(request));
  EXPECT_EQ(reply.code, response::kSystemError);
  EXPECT_EQ(reply.remark,
            "compressed registration is not supported; set compressedRegister=false on the "
            "broker");
}

TEST_F(NameserverServerTest, NumericExtFieldsOfNonJavaClientsAreAccepted) {
  // ali-ons sends JSON numbers, which the codec keeps as their text.
  RemotingCommand request = MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}));
  request.SetExt("brokerId", "0");
  request.SetExt("compressed", "false");
  EXPECT_EQ(Call(std::move(request)).code, response::kSuccess);
}

TEST_F(NameserverServerTest, SlaveIsToldItsMastersAddresses) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"})));
  RemotingCommand reply =
      Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:2", 1, {"T"})));
  EXPECT_EQ(reply.code, response::kSuccess);
  EXPECT_EQ(reply.ext_fields.at("masterAddr"), "a:1");
  EXPECT_EQ(reply.ext_fields.at("haServerAddr"), "a:1-ha");
}

TEST_F(NameserverServerTest, UnregisterRemovesTheBroker) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"})));
  BrokerIdentity id = Registration("broker-a", "a:1", 0, {}).identity;
  EXPECT_EQ(Call(MakeUnregisterBrokerRequest(id)).code, response::kSuccess);
  EXPECT_EQ(GetRoute("T").code, response::kTopicNotExist);
}

TEST_F(NameserverServerTest, ClusterInfoTopicListsAndDeleteTopic) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T", "U"})));
  RemotingCommand info = Call(RemotingCommand::Request(code::kGetBrokerClusterInfo));
  ASSERT_EQ(info.code, response::kSuccess);
  StatusOr<ClusterInfo> decoded = protocol::DecodeClusterInfo(info.body.ToString());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->cluster_addr_table.at("DefaultCluster"), std::vector<std::string>{"broker-a"});

  RemotingCommand all = Call(RemotingCommand::Request(code::kGetAllTopicListFromNameserver));
  EXPECT_EQ(all.body.ToString(), R"({"topicList":["T","U"]})");

  RemotingCommand by_cluster = RemotingCommand::Request(code::kGetTopicsByCluster);
  by_cluster.SetExt("cluster", "DefaultCluster");
  EXPECT_EQ(Call(std::move(by_cluster)).body.ToString(), R"({"topicList":["T","U"]})");

  RemotingCommand del = RemotingCommand::Request(code::kDeleteTopicInNamesrv);
  del.SetExt("topic", "T");
  EXPECT_EQ(Call(std::move(del)).code, response::kSuccess);
  EXPECT_EQ(GetRoute("T").code, response::kTopicNotExist);
  EXPECT_EQ(GetRoute("U").code, response::kSuccess);
}

TEST_F(NameserverServerTest, QueryDataVersionSaysWhetherTheBrokerChanged) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"}, 5)));
  RemotingCommand request = MakeUnregisterBrokerRequest(Registration("a", "a:1", 0, {}).identity);
  request.code = code::kQueryDataVersion;
  request.SetExt("brokerName", "broker-a");
  request.body = BufferList(Buffer::FromString(protocol::EncodeDataVersion({0, 1700000000000, 5})));
  RemotingCommand same = Call(request);
  ASSERT_EQ(same.code, response::kSuccess);
  EXPECT_EQ(same.ext_fields.at("changed"), "false");
  EXPECT_EQ(same.body.ToString(), protocol::EncodeDataVersion({0, 1700000000000, 5}));
  request.body = BufferList(Buffer::FromString(protocol::EncodeDataVersion({0, 1700000000000, 6})));
  EXPECT_EQ(Call(request).ext_fields.at("changed"), "true");
}

TEST_F(NameserverServerTest, BrokerIsDroppedAtOnceWhenItsConnectionCloses) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"})));
  client_->CloseConnection(kNs);
  net_.RunUntilIdle();
  EXPECT_EQ(GetRoute("T").code, response::kTopicNotExist);
}

TEST_F(NameserverServerTest, ScanDropsBrokersSilentForLongerThanTheExpiry) {
  Call(MakeRegisterBrokerRequest(Registration("broker-a", "a:1", 0, {"T"})));
  clock_.Advance(120s);  // scans at 10 s, 20 s, ... 120 s: not yet more than 120 s
  EXPECT_EQ(GetRoute("T").code, response::kSuccess);
  clock_.Advance(10s);  // the scan at 130 s
  EXPECT_EQ(GetRoute("T").code, response::kTopicNotExist);
}

TEST_F(NameserverServerTest, StopCancelsTheScan) {
  EXPECT_EQ(clock_.PendingTimers(), 1u);
  server_->Stop();
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST(NameserverServerStartTest, ServerFacetNeedsATransportServer) {
  testing::ManualClock clock;
  testing::ManualExecutor executor;
  TestNode node(clock, executor, {});
  NameserverRegistryFactory factory;
  EXPECT_EQ(factory.CreateServer(node.context).status(),
            FailedPreconditionError(
                "registry.nameserver: the name-server facet needs the node's transport server"));
}

}  // namespace
}  // namespace quiver::registry::nameserver
