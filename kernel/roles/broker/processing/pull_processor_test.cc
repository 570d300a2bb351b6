#include "kernel/roles/broker/processing/pull_processor.h"

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
using fakes::Ext;
using fakes::Props;
using fakes::PullRequest;
using fakes::SendRequest;
using std::chrono::milliseconds;

constexpr std::int32_t kSubscriptionFlags = 0x4;               // subscription in the header
constexpr std::int32_t kSuspendFlags = 0x2 | 0x4;              // + long polling (ali-ons 0x6)
constexpr std::int32_t kCommitSuspendFlags = 0x1 | 0x2 | 0x4;  // ali-ons 0x7

class PullProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.StartBroker().ok()); }
  void SendTo(const std::string& body, const std::string& props, std::int32_t queue = 0) {
    ASSERT_EQ(h.Call(SendRequest("T", body, props, queue)).code, rc::kSuccess);
  }
  static std::vector<std::string> Bodies(const protocol::RemotingCommand& response) {
    std::vector<std::uint8_t> bytes = response.body.Flatten();
    auto records = protocol::DecodeRecords(bytes);
    EXPECT_TRUE(records.ok()) << records.status();
    std::vector<std::string> bodies;
    if (!records.ok()) return bodies;
    for (const auto& r : *records) {
      bodies.emplace_back(reinterpret_cast<const char*>(r.body.data()), r.body.size());
    }
    return bodies;
  }
  fakes::BrokerHarness h;
};

TEST_F(PullProcessorTest, SentMessageIsPulledWithBodyKeysTagsAndProperties) {
  SendTo("hello", Props({{"TAGS", "TagA"}, {"KEYS", "k1"}, {"p", "v"}}));
  auto response = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags));
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  EXPECT_EQ(response.remark.value_or(""), "FOUND");
  EXPECT_EQ(Ext(response, "nextBeginOffset"), "1");
  EXPECT_EQ(Ext(response, "minOffset"), "0");
  EXPECT_EQ(Ext(response, "maxOffset"), "1");
  EXPECT_EQ(Ext(response, "suggestWhichBrokerId"), "0");
  std::vector<std::uint8_t> bytes = response.body.Flatten();
  auto records = protocol::DecodeRecords(bytes);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  const auto& r = (*records)[0];
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.body.data()), r.body.size()), "hello");
  EXPECT_EQ(protocol::FindProperty(r.properties, "TAGS"), "TagA");
  EXPECT_EQ(protocol::FindProperty(r.properties, "KEYS"), "k1");
  EXPECT_EQ(protocol::FindProperty(r.properties, "p"), "v");
}

TEST(PullProcessorLimitsTest, APullReturnsUpToMaxTransferCountAndBytes) {
  fakes::BrokerHarness h;
  h.settings.max_transfer_count = 50;
  ASSERT_TRUE(h.StartBroker().ok());
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(h.Call(SendRequest("T", std::string(100, 'x'), "", 0)).code, rc::kSuccess);
  }
  auto request = PullRequest("G", "T", 0, 0, kSubscriptionFlags);
  request.SetExt("maxMsgNums", std::int64_t{1000});
  auto response = h.Call(request);
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  // Far beyond RocketMQ's 32 per pull, capped by max_transfer_count.
  EXPECT_EQ(Ext(response, "nextBeginOffset"), "50");
  EXPECT_EQ(response.body.parts().size(), 50u);
  const std::size_t record_size = response.body.parts()[0].size();

  fakes::BrokerHarness small;
  small.settings.max_transfer_bytes = static_cast<std::int64_t>(record_size * 7 + record_size / 2);
  ASSERT_TRUE(small.StartBroker().ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(small.Call(SendRequest("T", std::string(100, 'x'), "", 0)).code, rc::kSuccess);
  }
  auto capped = small.Call(request);
  ASSERT_EQ(capped.code, rc::kSuccess) << capped.remark.value_or("");
  EXPECT_EQ(Ext(capped, "nextBeginOffset"), "7");
}

TEST_F(PullProcessorTest, SuggestWhichBrokerIdComesFromTheReplicatorForFoundMessages) {
  SendTo("a", "");
  SendTo("b", "");
  h.replicator.suggest_ = 1;
  auto response = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags));
  ASSERT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(Ext(response, "suggestWhichBrokerId"), "1");
  EXPECT_GT(h.replicator.max_read_.value(), h.replicator.last_read_.value());
  EXPECT_EQ(h.replicator.max_read_, h.store.Stats().max_physical_offset);
  // Nothing found (caught up): back to the master whatever the lag policy says.
  auto empty = h.Call(PullRequest("G", "T", 0, 2, kSubscriptionFlags));
  EXPECT_EQ(empty.code, rc::kPullNotFound);
  EXPECT_EQ(Ext(empty, "suggestWhichBrokerId"), "0");
}

TEST_F(PullProcessorTest, SlaveWithoutSlaveReadSendsTheConsumerBackToTheMaster) {
  SendTo("a", "");
  h.replicator.serves_reads_ = false;
  auto response = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags));
  EXPECT_EQ(response.code, rc::kPullRetryImmediately);
  EXPECT_EQ(Ext(response, "suggestWhichBrokerId"), "0");
  EXPECT_TRUE(response.body.empty());
}

TEST_F(PullProcessorTest, PullBodyPassesTheStoresRecordBuffersThrough) {
  SendTo("a", "");
  SendTo("b", "");
  auto response = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags));
  ASSERT_EQ(response.code, rc::kSuccess);
  ASSERT_EQ(response.body.parts().size(), 2u);
  auto stored = h.store.ReadRecord(CommitLogOffset(0));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(response.body.parts()[0].data(), stored->data());  // same bytes, not a copy
}

TEST_F(PullProcessorTest, TagFilterReturnsOnlyMatchingMessages) {
  SendTo("a", Props({{"TAGS", "TagA"}}));
  SendTo("b", Props({{"TAGS", "TagB"}}));
  SendTo("c", Props({{"TAGS", "TagC"}}));
  SendTo("none", "");
  auto response = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags, "TagA || TagC"));
  ASSERT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(Bodies(response), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(Ext(response, "nextBeginOffset"), "4");

  auto none = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags, "TagZ"));
  EXPECT_EQ(none.code, rc::kPullRetryImmediately);
  EXPECT_EQ(none.remark.value_or(""), "NO_MATCHED_MESSAGE");
}

TEST_F(PullProcessorTest, SubscriptionComesFromHeartbeatWhenNotInHeader) {
  SendTo("a", Props({{"TAGS", "TagA"}}));
  auto missing = h.Call(PullRequest("G", "T", 0, 0, 0));
  EXPECT_EQ(missing.code, rc::kSubscriptionNotExist);
  EXPECT_EQ(missing.remark.value_or(""),
            "the consumer's group info not exist, group G (send HEART_BEAT first)");

  ASSERT_EQ(h.Call(fakes::HeartbeatRequest("c1@1", "G", "T", "TagB")).code, rc::kSuccess);
  SendTo("b", Props({{"TAGS", "TagB"}}));
  auto response = h.Call(PullRequest("G", "T", 0, 0, 0, "ignored-without-bit-2"));
  ASSERT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(Bodies(response), (std::vector<std::string>{"b"}));

  auto other_topic = h.Call(PullRequest("G", "T2", 0, 0, 0));
  EXPECT_EQ(other_topic.code, rc::kTopicNotExist);
}

TEST_F(PullProcessorTest, StatusMappingFollowsRocketMq) {
  auto empty = h.Call(PullRequest("G", "T", 0, 0, kSubscriptionFlags));
  EXPECT_EQ(empty.code, rc::kTopicNotExist);  // T does not exist before the first send
  SendTo("a", "");
  EXPECT_EQ(h.Call(PullRequest("G", "T", 0, 1, kSubscriptionFlags)).code, rc::kPullNotFound);
  EXPECT_EQ(h.Call(PullRequest("G", "T", 0, 5, kSubscriptionFlags)).code, rc::kPullOffsetMoved);
  EXPECT_EQ(h.Call(PullRequest("G", "T", 1, 0, kSubscriptionFlags)).code, rc::kPullNotFound);
  EXPECT_EQ(h.Call(PullRequest("G", "T", 1, 3, kSubscriptionFlags)).code, rc::kPullOffsetMoved);
  auto bad_queue = h.Call(PullRequest("G", "T", 7, 0, kSubscriptionFlags));
  EXPECT_EQ(bad_queue.code, rc::kSystemError);
  EXPECT_EQ(bad_queue.remark.value_or(""),
            "queueId[7] is illegal, topic:[T] topicConfig.readQueueNums:[4] "
            "consumer:[10.0.0.9:50000]");
}

TEST_F(PullProcessorTest, MissingFieldIsRejectedNamingIt) {
  SendTo("a", "");
  auto request = PullRequest("G", "T", 0, 0, kSubscriptionFlags);
  request.ext_fields.erase("queueOffset");
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""), "the custom field queueOffset is null");
}

TEST_F(PullProcessorTest, SuspendedPullIsAnsweredAtOnceWhenAMessageArrives) {
  SendTo("first", "");
  auto pending = h.Send(PullRequest("G", "T", 0, 1, kSuspendFlags));
  EXPECT_FALSE(pending.has_value());  // held: nothing to read yet
  EXPECT_EQ(h.broker->HeldPulls(), 1u);

  // Another producer sends; the time has not moved at all.
  auto result = std::make_shared<std::optional<StatusOr<protocol::RemotingCommand>>>();
  h.Client().InvokeAsync(
      fakes::kBrokerAddress, PullRequest("G", "T", 0, 1, kSuspendFlags), std::chrono::seconds(60),
      [result](StatusOr<protocol::RemotingCommand> r) { *result = std::move(r); });
  h.RunAll();
  EXPECT_FALSE(result->has_value());
  SendTo("second", "", 0);
  ASSERT_TRUE(result->has_value());
  ASSERT_TRUE((*result)->ok());
  EXPECT_EQ((***result).code, rc::kSuccess);
  EXPECT_EQ(Bodies(***result), (std::vector<std::string>{"second"}));
  EXPECT_EQ(h.broker->HeldPulls(), 0u);
}

TEST_F(PullProcessorTest, SuspendedPullIsAnsweredNotFoundAtItsTimeout) {
  SendTo("first", "");
  auto result = std::make_shared<std::optional<StatusOr<protocol::RemotingCommand>>>();
  h.Client().InvokeAsync(
      fakes::kBrokerAddress, PullRequest("G", "T", 0, 1, kSuspendFlags, "*", 5000),
      std::chrono::seconds(60),
      [result](StatusOr<protocol::RemotingCommand> r) { *result = std::move(r); });
  h.RunAll();
  h.clock.Advance(milliseconds(4999));
  h.RunAll();
  EXPECT_FALSE(result->has_value());
  h.clock.Advance(milliseconds(1));
  h.RunAll();
  ASSERT_TRUE(result->has_value());
  ASSERT_TRUE((*result)->ok());
  EXPECT_EQ((***result).code, rc::kPullNotFound);
  EXPECT_EQ(Ext(***result, "nextBeginOffset"), "1");
}

TEST_F(PullProcessorTest, SuspensionIsCappedAtMaxSuspend) {
  SendTo("first", "");
  auto result = std::make_shared<std::optional<StatusOr<protocol::RemotingCommand>>>();
  h.Client().InvokeAsync(
      fakes::kBrokerAddress, PullRequest("G", "T", 0, 1, kSuspendFlags, "*", 600000),
      std::chrono::seconds(60),
      [result](StatusOr<protocol::RemotingCommand> r) { *result = std::move(r); });
  h.RunAll();
  h.clock.Advance(std::chrono::seconds(15));
  h.RunAll();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((***result).code, rc::kPullNotFound);
}

TEST_F(PullProcessorTest, StopAnswersHeldPulls) {
  SendTo("first", "");
  auto result = std::make_shared<std::optional<StatusOr<protocol::RemotingCommand>>>();
  h.Client().InvokeAsync(
      fakes::kBrokerAddress, PullRequest("G", "T", 0, 1, kSuspendFlags), std::chrono::seconds(60),
      [result](StatusOr<protocol::RemotingCommand> r) { *result = std::move(r); });
  h.RunAll();
  EXPECT_EQ(h.broker->HeldPulls(), 1u);
  h.broker->Stop();
  EXPECT_EQ(h.broker->HeldPulls(), 0u);
  h.RunAll();
  ASSERT_TRUE(result->has_value());
  ASSERT_TRUE((*result)->ok());
  EXPECT_EQ((***result).code, rc::kPullNotFound);
}

TEST_F(PullProcessorTest, CommitFlagStoresOffsetButNegativeCommitOffsetIsIgnored) {
  SendTo("a", "");
  ASSERT_EQ(h.Call(PullRequest("G", "T", 0, 0, kCommitSuspendFlags, "*", 0, -1)).code,
            rc::kSuccess);
  EXPECT_FALSE(h.metadata->consumer_offsets().Query("G", "T", QueueId(0)).has_value());
  ASSERT_EQ(h.Call(PullRequest("G", "T", 0, 0, kCommitSuspendFlags, "*", 0, 1)).code, rc::kSuccess);
  EXPECT_EQ(h.metadata->consumer_offsets().Query("G", "T", QueueId(0)), 1);
  // Without bit 0 the commit offset is not stored.
  ASSERT_EQ(h.Call(PullRequest("G", "T", 0, 0, kSuspendFlags, "*", 0, 0)).code, rc::kSuccess);
  EXPECT_EQ(h.metadata->consumer_offsets().Query("G", "T", QueueId(0)), 1);
}

}  // namespace
}  // namespace quiver::broker
