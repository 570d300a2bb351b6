#include "kernel/roles/broker/processing/consumer_group_processor.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using fakes::Props;
using fakes::SendRequest;
using std::chrono::seconds;

protocol::RemotingCommand LockRequest(std::int32_t code, const std::string& client,
                                      std::initializer_list<int> queues,
                                      const std::string& group = "G") {
  std::string body =
      R"({"consumerGroup":")" + group + R"(","clientId":")" + client + R"(","mqSet":[)";
  bool first = true;
  for (int q : queues) {
    if (!first) body += ",";
    first = false;
    body += R"({"topic":"T","brokerName":"broker-a","queueId":)" + std::to_string(q) + "}";
  }
  body += "]}";
  auto request = protocol::RemotingCommand::Request(code);
  request.body.Append(Buffer::FromString(body));
  return request;
}

std::string Queue(int q) {
  return R"({"brokerName":"broker-a","queueId":)" + std::to_string(q) + R"(,"topic":"T"})";
}

// The lockOKMQSet of a LOCK_BATCH_MQ response, as queue ids.
std::vector<int> Locked(const protocol::RemotingCommand& response) {
  std::vector<int> ids;
  std::string body = response.body.ToString();
  for (int q = 0; q < 8; ++q) {
    if (body.find(Queue(q)) != std::string::npos) ids.push_back(q);
  }
  return ids;
}

protocol::RemotingCommand StatsRequest(const std::string& group, const std::string& topic = "") {
  auto request = protocol::RemotingCommand::Request(req::kGetConsumeStats);
  request.SetExt("consumerGroup", group);
  if (!topic.empty()) request.SetExt("topic", topic);
  return request;
}

class ConsumerGroupProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.StartBroker().ok()); }
  fakes::BrokerHarness h;
};

TEST_F(ConsumerGroupProcessorTest, QueueLockIsOwnedUntilItExpiresWithoutRenewal) {
  auto first = h.Call(LockRequest(req::kLockBatchMq, "c1", {0, 1}));
  ASSERT_EQ(first.code, rc::kSuccess);
  EXPECT_EQ(first.body.ToString(), "{\"lockOKMQSet\":[" + Queue(0) + "," + Queue(1) + "]}");
  // c2 gets only the free queue.
  EXPECT_EQ(Locked(h.Call(LockRequest(req::kLockBatchMq, "c2", {1, 2}))), std::vector<int>{2});

  h.clock.Advance(seconds(59));
  EXPECT_EQ(Locked(h.Call(LockRequest(req::kLockBatchMq, "c1", {0}))), std::vector<int>{0});
  h.clock.Advance(seconds(2));  // q1: 61 s without renewal; q0 renewed 2 s ago
  EXPECT_EQ(Locked(h.Call(LockRequest(req::kLockBatchMq, "c2", {0, 1}))), std::vector<int>{1});

  // Only the holder unlocks.
  ASSERT_EQ(h.Call(LockRequest(req::kUnlockBatchMq, "c2", {0})).code, rc::kSuccess);
  EXPECT_TRUE(Locked(h.Call(LockRequest(req::kLockBatchMq, "c2", {0}))).empty());
  ASSERT_EQ(h.Call(LockRequest(req::kUnlockBatchMq, "c1", {0})).code, rc::kSuccess);
  EXPECT_EQ(Locked(h.Call(LockRequest(req::kLockBatchMq, "c2", {0}))), std::vector<int>{0});
  // Groups are separate.
  EXPECT_EQ(Locked(h.Call(LockRequest(req::kLockBatchMq, "c1", {0}, "Other"))),
            std::vector<int>{0});
}

TEST_F(ConsumerGroupProcessorTest, MalformedLockBodiesAreRejectedNamingTheProblem) {
  auto request = protocol::RemotingCommand::Request(req::kLockBatchMq);
  request.body.Append(Buffer::FromString("{\"consumerGroup\":"));
  auto r = h.Call(request);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("malformed LOCK_BATCH_MQ body: invalid JSON"),
            std::string::npos);

  auto no_client = protocol::RemotingCommand::Request(req::kLockBatchMq);
  no_client.body.Append(Buffer::FromString(R"({"consumerGroup":"G","mqSet":[]})"));
  r = h.Call(no_client);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("clientId"), std::string::npos);

  auto bad_queue = protocol::RemotingCommand::Request(req::kUnlockBatchMq);
  bad_queue.body.Append(Buffer::FromString(
      R"({"consumerGroup":"G","clientId":"c","mqSet":[{"topic":"T","queueId":"x"}]})"));
  r = h.Call(bad_queue);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("mqSet[0].queueId"), std::string::npos);
}

TEST_F(ConsumerGroupProcessorTest, ConsumeStatsShowOffsetsLastTimeClientAndTps) {
  ASSERT_EQ(h.Call(fakes::HeartbeatRequest("c1@1", "G", "T")).code, rc::kSuccess);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(h.Call(SendRequest("T", "m", "", 0)).code, rc::kSuccess);
  std::int64_t stored_at = h.clock.WallMillis();
  ASSERT_EQ(h.Call(SendRequest("Old", "m", "", 0)).code, rc::kSuccess);
  h.metadata->consumer_offsets().Commit("G", "Old", QueueId(0), 1);  // no member subscribes
  // c1 pulls queue 0 and commits 2 of the 3.
  auto pull = h.Call(fakes::PullRequest("G", "T", 0, 0, 0x1, "*", 0, 2));
  ASSERT_EQ(pull.code, rc::kSuccess);

  auto response = h.Call(StatsRequest("G"));
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  std::string body = response.body.ToString();
  EXPECT_NE(body.find(Queue(0) + R"(:{"brokerOffset":3,"consumerOffset":2,"lastTimestamp":)" +
                      std::to_string(stored_at) + R"(,"clientId":"c1@1"})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(Queue(1) + R"(:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0})"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("\"Old\""), std::string::npos) << "a topic no member subscribes to";
  EXPECT_NE(body.find(R"("consumeTps":0.05)"), std::string::npos) << body;

  // The lock holder wins over the last puller.
  h.Call(LockRequest(req::kLockBatchMq, "c9@9", {0}));
  body = h.Call(StatsRequest("G", "T")).body.ToString();
  EXPECT_NE(body.find(R"("clientId":"c9@9")"), std::string::npos) << body;
}

TEST_F(ConsumerGroupProcessorTest, OfflineGroupShowsTopicsItHasOffsetsFor) {
  ASSERT_EQ(h.Call(SendRequest("Old", "m", "", 0)).code, rc::kSuccess);
  h.metadata->consumer_offsets().Commit("G", "Old", QueueId(0), 1);
  std::string body = h.Call(StatsRequest("G")).body.ToString();
  EXPECT_NE(body.find(R"({"brokerName":"broker-a","queueId":0,"topic":"Old"}:{"brokerOffset":1,)"
                      R"("consumerOffset":1,)"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("clientId"), std::string::npos) << body;
}

TEST_F(ConsumerGroupProcessorTest, ConsumeStatsOfUnknownGroupIsEmptyAndGroupIsRequired) {
  auto response = h.Call(StatsRequest("Nobody"));
  ASSERT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(response.body.ToString(), R"({"offsetTable":{},"consumeTps":0.0})");
  auto missing = protocol::RemotingCommand::Request(req::kGetConsumeStats);
  auto r = h.Call(missing);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("consumerGroup"), std::string::npos);
}

TEST_F(ConsumerGroupProcessorTest, HeartbeatCreatesAPersistedSubscriptionGroup) {
  ASSERT_EQ(h.Call(fakes::HeartbeatRequest("c1", "G", "T")).code, rc::kSuccess);
  auto all = h.Call(protocol::RemotingCommand::Request(req::kGetAllSubscriptionGroupConfig));
  ASSERT_EQ(all.code, rc::kSuccess);
  EXPECT_NE(all.body.ToString().find(R"("G":{"groupName":"G",)"), std::string::npos);
  EXPECT_NE(all.body.ToString().find(R"("retryMaxTimes":16)"), std::string::npos);

  auto update = protocol::RemotingCommand::Request(req::kUpdateAndCreateSubscriptionGroup);
  update.body.Append(Buffer::FromString(R"({"groupName":"G","retryMaxTimes":3})"));
  ASSERT_EQ(h.Call(update).code, rc::kSuccess);
  h.StopBroker();
  ASSERT_TRUE(h.StartBroker().ok());
  auto config = h.metadata->subscription_groups().Find("G");
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->retry_max_times, 3);

  auto bad = protocol::RemotingCommand::Request(req::kUpdateAndCreateSubscriptionGroup);
  bad.body.Append(Buffer::FromString(R"({"groupName":"G","retryMaxTimes":"many"})"));
  auto r = h.Call(bad);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("retryMaxTimes"), std::string::npos);
}

}  // namespace
}  // namespace quiver::broker
