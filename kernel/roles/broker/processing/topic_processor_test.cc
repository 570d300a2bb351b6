#include "kernel/roles/broker/processing/topic_processor.h"

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

RemotingCommand CreateTopicRequest(const std::string& topic, std::int64_t queues) {
  auto request = RemotingCommand::Request(req::kUpdateAndCreateTopic);
  request.SetExt("topic", topic);
  request.SetExt("defaultTopic", std::string("TBW102"));
  request.SetExt("readQueueNums", queues);
  request.SetExt("writeQueueNums", queues);
  request.SetExt("perm", std::int64_t{6});
  request.SetExt("topicFilterType", std::string("SINGLE_TAG"));
  request.SetExt("topicSysFlag", std::int64_t{0});
  request.SetExt("order", std::string("false"));
  return request;
}

class TopicProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.StartBroker().ok()); }
  fakes::BrokerHarness h;
};

TEST_F(TopicProcessorTest, CreatedTopicIsPublishedAtOnceWithANewDataVersion) {
  DataVersion before = h.broker->CurrentRegistration().data_version;
  std::size_t published = h.published.size();
  ASSERT_EQ(h.Call(CreateTopicRequest("Orders", 8)).code, rc::kSuccess);
  ASSERT_EQ(h.published.size(), published + 1);
  const BrokerRegistration& r = h.published.back();
  EXPECT_EQ(r.identity.broker_name, "broker-a");
  EXPECT_EQ(r.identity.address, "127.0.0.1:10911");
  ASSERT_EQ(r.topics.count("Orders"), 1u);
  EXPECT_EQ(r.topics.at("Orders").write_queue_nums, 8);
  EXPECT_NE(r.data_version, before);

  // Unchanged: nothing to publish.
  ASSERT_EQ(h.Call(CreateTopicRequest("Orders", 8)).code, rc::kSuccess);
  EXPECT_EQ(h.published.size(), published + 1);
  // Expanded: published again.
  ASSERT_EQ(h.Call(CreateTopicRequest("Orders", 16)).code, rc::kSuccess);
  EXPECT_EQ(h.published.back().topics.at("Orders").read_queue_nums, 16);
}

TEST_F(TopicProcessorTest, CreatedTopicIsOnDiskWhenTheReplyComes) {
  // No clock tick: the deferred write of auto-created topics has not run.
  ASSERT_EQ(h.Call(CreateTopicRequest("Orders", 8)).code, rc::kSuccess);
  BrokerMetadataTables crashed_and_restarted(h.settings, h.clock);
  ASSERT_TRUE(crashed_and_restarted.Load().ok());
  auto orders = crashed_and_restarted.topics().Find("Orders");
  ASSERT_TRUE(orders.has_value());
  EXPECT_EQ(orders->write_queue_nums, 8);
}

TEST_F(TopicProcessorTest, TopicsSurviveRestartAndAreListed) {
  ASSERT_EQ(h.Call(CreateTopicRequest("Orders", 2)).code, rc::kSuccess);
  h.StopBroker();
  ASSERT_TRUE(h.StartBroker().ok());
  auto response = h.Call(RemotingCommand::Request(req::kGetAllTopicConfig));
  ASSERT_EQ(response.code, rc::kSuccess);
  std::string body = response.body.ToString();
  EXPECT_NE(body.find(R"("Orders":{"topicName":"Orders","readQueueNums":2,"writeQueueNums":2,)"
                      R"("perm":6,"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("TBW102")"), std::string::npos);
}

TEST_F(TopicProcessorTest, InvalidRequestsAreRejectedWithReason) {
  auto zero = h.Call(CreateTopicRequest("Orders", 0));
  EXPECT_EQ(zero.code, rc::kSystemError);
  EXPECT_EQ(zero.remark.value_or(""), "the custom field readQueueNums must be in [1, 1024]: 0");
  auto system = h.Call(CreateTopicRequest("TBW102", 4));
  EXPECT_EQ(system.code, rc::kSystemError);
  auto missing = CreateTopicRequest("Orders", 4);
  missing.ext_fields.erase("perm");
  EXPECT_EQ(h.Call(missing).remark.value_or(""), "the custom field perm is null");
  EXPECT_FALSE(h.metadata->topics().Find("Orders").has_value());
}

TEST_F(TopicProcessorTest, RuntimeInfoReportsCountersAndOffsets) {
  ASSERT_EQ(h.Call(fakes::SendRequest("T", "abc", "")).code, rc::kSuccess);
  h.clock.Advance(std::chrono::seconds(3725));
  auto response = h.Call(RemotingCommand::Request(req::kGetBrokerRuntimeInfo));
  ASSERT_EQ(response.code, rc::kSuccess);
  std::string body = response.body.ToString();
  for (const char* expected : {R"("brokerVersion":"401")", R"("msgPutTotalTodayNow":"1")",
                               R"("msgGetTotalTodayNow":"0")", R"("commitLogMinOffset":"0")",
                               R"("runtime":"[ 0 days, 1 hours, 2 minutes, 5 seconds ]")"}) {
    EXPECT_NE(body.find(expected), std::string::npos) << expected << " in " << body;
  }
  auto stats = h.store.Stats();
  EXPECT_NE(body.find("\"commitLogMaxOffset\":\"" +
                      std::to_string(stats.max_physical_offset.value()) + "\""),
            std::string::npos);
}

TEST_F(TopicProcessorTest, RoleChangeRepublishesUnderTheNewId) {
  h.broker->OnRoleChange(RoleChange{ReplicaRole::kMaster, BrokerId(0), "", Term(2)});
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(h.published.back().identity.broker_id, BrokerId(0));
  h.broker->OnRoleChange(RoleChange{ReplicaRole::kSlave, BrokerId(3), "10.0.0.5:10911", Term(3)});
  EXPECT_EQ(h.published.back().identity.broker_id, BrokerId(3));
  EXPECT_EQ(h.published.back().identity.role, BrokerRole::kSlave);
}

TEST_F(TopicProcessorTest, MasterSlaveRoleChangePublishesTheHaAddressAndSyncRole) {
  RoleChange change;
  change.role = ReplicaRole::kMaster;
  change.broker_id = BrokerId(0);
  change.ha_address = "127.0.0.1:10912";
  change.broker_role = BrokerRole::kSyncMaster;
  h.broker->OnRoleChange(change);
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(h.published.back().identity.ha_address, "127.0.0.1:10912");
  EXPECT_EQ(h.published.back().identity.role, BrokerRole::kSyncMaster);
}

}  // namespace
}  // namespace quiver::broker
