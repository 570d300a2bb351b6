#include "kernel/roles/broker/processing/client_processor.h"

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using fakes::HeartbeatRequest;
using protocol::RemotingCommand;

RemotingCommand ConsumerListRequest(const std::string& group) {
  auto request = RemotingCommand::Request(req::kGetConsumerListByGroup);
  request.SetExt("consumerGroup", group);
  return request;
}

class ClientProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.StartBroker().ok());
    for (const char* address : {"10.0.0.1:1", "10.0.0.2:2"}) {
      h.Client(address).RegisterHandler(
          req::kNotifyConsumerIdsChanged,
          [this, address = std::string(address)](const ConnectionPtr&, RemotingCommand request,
                                                 Responder) {
            notified.push_back(address + " " + fakes::Ext(request, "consumerGroup"));
          });
    }
  }
  std::vector<std::string> ConsumerIds(const std::string& group) {
    auto response = h.Call(ConsumerListRequest(group));
    EXPECT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
    auto ids = protocol::DecodeConsumerIdList(response.body.ToString());
    return ids.ok() ? *ids : std::vector<std::string>{};
  }
  fakes::BrokerHarness h;
  std::vector<std::string> notified;
};

TEST_F(ClientProcessorTest, HeartbeatRegistersConsumersAndAnswersVersion401) {
  auto response = h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");
  EXPECT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(response.version, 401);
  EXPECT_EQ(ConsumerIds("G"), (std::vector<std::string>{"c1@1"}));
  auto retry = h.metadata->topics().Find("%RETRY%G");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->read_queue_nums, 1);
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(h.published.back().topics.count("%RETRY%G"), 1u);
}

TEST_F(ClientProcessorTest, MembershipChangesNotifyEveryMember) {
  h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");
  EXPECT_EQ(notified, (std::vector<std::string>{"10.0.0.1:1 G"}));
  notified.clear();
  h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");  // no change: no notification
  EXPECT_TRUE(notified.empty());
  h.Call(HeartbeatRequest("c2@2", "G", "T"), "10.0.0.2:2");
  std::sort(notified.begin(), notified.end());
  EXPECT_EQ(notified, (std::vector<std::string>{"10.0.0.1:1 G", "10.0.0.2:2 G"}));
  EXPECT_EQ(ConsumerIds("G"), (std::vector<std::string>{"c1@1", "c2@2"}));

  notified.clear();
  h.Client("10.0.0.2:2").CloseConnection(fakes::kBrokerAddress);
  h.RunAll();
  EXPECT_EQ(notified, (std::vector<std::string>{"10.0.0.1:1 G"}));
  EXPECT_EQ(ConsumerIds("G"), (std::vector<std::string>{"c1@1"}));
}

TEST_F(ClientProcessorTest, UnregisterRemovesTheClientAndEmptyGroupIsAnError) {
  h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");
  auto unregister = RemotingCommand::Request(req::kUnregisterClient);
  unregister.SetExt("clientID", std::string("c1@1"));
  unregister.SetExt("consumerGroup", std::string("G"));
  EXPECT_EQ(h.Call(unregister, "10.0.0.1:1").code, rc::kSuccess);
  auto response = h.Call(ConsumerListRequest("G"));
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""), "no consumer for this group, G");
}

TEST_F(ClientProcessorTest, IdleClientsExpire) {
  h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");
  h.clock.Advance(std::chrono::seconds(110));
  h.Call(HeartbeatRequest("c2@2", "G", "T"), "10.0.0.2:2");
  h.clock.Advance(std::chrono::seconds(20));  // c1 silent for 130 s, c2 for 20 s
  h.RunAll();
  EXPECT_EQ(ConsumerIds("G"), (std::vector<std::string>{"c2@2"}));
}

TEST_F(ClientProcessorTest, ExpiredMemberIsRemovedAndTheRestAreNotified) {
  h.Call(HeartbeatRequest("c1@1", "G", "T"), "10.0.0.1:1");
  h.clock.Advance(std::chrono::seconds(110));
  h.Call(HeartbeatRequest("c2@2", "G", "T"), "10.0.0.2:2");
  notified.clear();
  h.clock.Advance(std::chrono::seconds(20));  // the 10 s scan finds c1 silent for > 120 s
  h.RunAll();
  EXPECT_EQ(notified, (std::vector<std::string>{"10.0.0.2:2 G"}));
}

TEST_F(ClientProcessorTest, MalformedHeartbeatIsRejectedWithReason) {
  auto request = RemotingCommand::Request(req::kHeartBeat);
  request.body.Append(Buffer::FromString(R"({"clientID":7})"));
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""),
            "malformed HEART_BEAT body: heartbeat JSON field clientID is not a string");
}

}  // namespace
}  // namespace quiver::broker
