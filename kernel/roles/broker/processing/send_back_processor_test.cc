#include "kernel/roles/broker/processing/send_back_processor.h"

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"
#include "kernel/roles/broker/processing/schedule_service.h"
#include "quiver/protocol/message_id.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
using fakes::Ext;
using fakes::Props;
using fakes::SendRequest;
using std::chrono::milliseconds;

protocol::RemotingCommand SendBack(std::int64_t offset, const std::string& group,
                                   std::int64_t delay_level,
                                   std::optional<std::int64_t> max_times = std::nullopt) {
  auto request = protocol::RemotingCommand::Request(protocol::request_code::kConsumerSendMsgBack);
  request.SetExt("offset", offset);
  request.SetExt("group", group);
  request.SetExt("delayLevel", delay_level);
  request.SetExt("originMsgId", std::string("IGNORED"));
  request.SetExt("unitMode", std::string("false"));
  if (max_times) request.SetExt("maxReconsumeTimes", *max_times);
  return request;
}

class SendBackProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.settings.delay_levels = {milliseconds(10), milliseconds(20), milliseconds(30),
                               milliseconds(40), milliseconds(50)};
    ASSERT_TRUE(h.StartBroker().ok());
    ASSERT_EQ(h.Call(fakes::HeartbeatRequest("c1", "G", "T")).code, rc::kSuccess);
    auto sent = h.Call(SendRequest("T", "payload", Props({{"TAGS", "TagA"}, {"KEYS", "k1"}})));
    ASSERT_EQ(sent.code, rc::kSuccess);
    original_id_ = Ext(sent, "msgId");
    auto id = protocol::DecodeOffsetMessageId(original_id_);
    ASSERT_TRUE(id.ok());
    original_offset_ = id->physical_offset.value();
  }
  void Advance(milliseconds by) {
    for (milliseconds done{0}; done < by; done += milliseconds(5)) {
      h.clock.Advance(milliseconds(5));
      h.RunAll();
    }
  }
  std::int64_t Count(const std::string& topic) {
    return h.store.MaxOffset(topic, QueueId(0)).value();
  }
  // The record at `offset` of (topic, 0), and its commit-log offset.
  protocol::DecodedRecord At(const std::string& topic, std::int64_t offset) {
    ReadRequest read;
    read.topic = topic;
    read.offset = QueueOffset(offset);
    read.max_messages = 1;
    auto result = h.store.Read(read);
    EXPECT_TRUE(result.ok() && !result->records.empty()) << topic << " offset " << offset;
    if (!result.ok() || result->records.empty()) return {};
    keep_.push_back(result->records.front());
    return *protocol::DecodeRecord(keep_.back().span());
  }

  fakes::BrokerHarness h;
  std::string original_id_;
  std::int64_t original_offset_ = 0;
  std::vector<Buffer> keep_;
};

TEST_F(SendBackProcessorTest, FailedMessageGoesToRetryTopicAfterLevelThreeThenFurtherLevels) {
  auto response = h.Call(SendBack(original_offset_, "G", 0));
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  // Level 3 + reconsumeTimes 0 = 30 ms.
  EXPECT_EQ(h.store.MaxOffset(std::string(kScheduleTopic), QueueId(2)).value(), 1);
  Advance(milliseconds(25));
  EXPECT_EQ(Count("%RETRY%G"), 0);
  Advance(milliseconds(5));
  ASSERT_EQ(Count("%RETRY%G"), 1);
  protocol::DecodedRecord retry = At("%RETRY%G", 0);
  EXPECT_EQ(retry.reconsume_times, 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(retry.body.data()), retry.body.size()),
            "payload");
  EXPECT_EQ(protocol::FindProperty(retry.properties, "RETRY_TOPIC"), "T");
  EXPECT_EQ(protocol::FindProperty(retry.properties, "ORIGIN_MESSAGE_ID"), original_id_);
  EXPECT_EQ(protocol::FindProperty(retry.properties, "TAGS"), "TagA");
  EXPECT_EQ(protocol::FindProperty(retry.properties, "KEYS"), "k1");
  EXPECT_FALSE(protocol::FindProperty(retry.properties, "DELAY").has_value());

  // Failing again: level 3 + 1 = 40 ms; the origin stays the first message.
  ASSERT_EQ(h.Call(SendBack(retry.physical_offset.value(), "G", 0)).code, rc::kSuccess);
  Advance(milliseconds(35));
  EXPECT_EQ(Count("%RETRY%G"), 1);
  Advance(milliseconds(5));
  ASSERT_EQ(Count("%RETRY%G"), 2);
  protocol::DecodedRecord again = At("%RETRY%G", 1);
  EXPECT_EQ(again.reconsume_times, 2);
  EXPECT_EQ(protocol::FindProperty(again.properties, "RETRY_TOPIC"), "T");
  EXPECT_EQ(protocol::FindProperty(again.properties, "ORIGIN_MESSAGE_ID"), original_id_);
}

TEST_F(SendBackProcessorTest, RetryTopicIsPullableByTheGroup) {
  ASSERT_EQ(h.Call(SendBack(original_offset_, "G", 1)).code, rc::kSuccess);
  Advance(milliseconds(10));
  ASSERT_EQ(h.Call(fakes::HeartbeatRequest("c1", "G", "%RETRY%G")).code, rc::kSuccess);
  auto pull = h.Call(fakes::PullRequest("G", "%RETRY%G", 0, 0, 0));
  EXPECT_EQ(pull.code, rc::kSuccess) << pull.remark.value_or("");
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(h.published.back().topics.count("%RETRY%G"), 1u);
}

TEST_F(SendBackProcessorTest, MessageReconsumedMaxTimesGoesToTheDeadLetterQueueAtOnce) {
  std::int64_t offset = original_offset_;
  for (int i = 0; i < 2; ++i) {  // reconsumeTimes 0 and 1 -> retry
    ASSERT_EQ(h.Call(SendBack(offset, "G", 1, 2)).code, rc::kSuccess);
    Advance(milliseconds(10));
    ASSERT_EQ(Count("%RETRY%G"), i + 1);
    offset = At("%RETRY%G", i).physical_offset.value();
  }
  ASSERT_EQ(h.Call(SendBack(offset, "G", 1, 2)).code, rc::kSuccess);  // reconsumeTimes 2
  ASSERT_EQ(Count("%DLQ%G"), 1) << "the DLQ is not delayed";
  protocol::DecodedRecord dead = At("%DLQ%G", 0);
  EXPECT_EQ(dead.reconsume_times, 3);
  EXPECT_EQ(protocol::FindProperty(dead.properties, "ORIGIN_MESSAGE_ID"), original_id_);
  EXPECT_FALSE(protocol::FindProperty(dead.properties, "DELAY").has_value());
  auto dlq = h.metadata->topics().Find("%DLQ%G");
  ASSERT_TRUE(dlq.has_value());
  EXPECT_EQ(dlq->perm, perm::kWrite);
  EXPECT_EQ(dlq->write_queue_nums, 1);
  EXPECT_EQ(h.published.back().topics.count("%DLQ%G"), 1u);
}

TEST_F(SendBackProcessorTest, NegativeDelayLevelGoesToTheDeadLetterQueue) {
  ASSERT_EQ(h.Call(SendBack(original_offset_, "G", -1)).code, rc::kSuccess);
  EXPECT_EQ(Count("%DLQ%G"), 1);
  EXPECT_EQ(Count("%RETRY%G"), 0);
}

TEST_F(SendBackProcessorTest, SubscriptionGroupRetryMaxTimesAppliesWithoutHeaderValue) {
  auto update =
      protocol::RemotingCommand::Request(protocol::request_code::kUpdateAndCreateSubscriptionGroup);
  update.body.Append(Buffer::FromString(R"({"groupName":"G","retryMaxTimes":0})"));
  ASSERT_EQ(h.Call(update).code, rc::kSuccess);
  ASSERT_EQ(h.Call(SendBack(original_offset_, "G", 0)).code, rc::kSuccess);
  EXPECT_EQ(Count("%DLQ%G"), 1);
}

TEST_F(SendBackProcessorTest, PlainSendToRetryTopicBeyondMaxGoesToTheDeadLetterQueue) {
  auto request = SendRequest("%RETRY%G", "resent", Props({{"DELAY", "3"}}));
  request.SetExt("j", std::int64_t{16});
  ASSERT_EQ(h.Call(request).code, rc::kSuccess);
  EXPECT_EQ(Count("%DLQ%G"), 1);
  auto below = SendRequest("%RETRY%G", "resent", Props({{"MAX_RECONSUME_TIMES", "5"}}));
  below.SetExt("j", std::int64_t{4});
  ASSERT_EQ(h.Call(below).code, rc::kSuccess);
  EXPECT_EQ(Count("%RETRY%G"), 1);
  auto above = SendRequest("%RETRY%G", "resent", Props({{"MAX_RECONSUME_TIMES", "5"}}));
  above.SetExt("j", std::int64_t{5});
  ASSERT_EQ(h.Call(above).code, rc::kSuccess);
  EXPECT_EQ(Count("%DLQ%G"), 2);
}

TEST_F(SendBackProcessorTest, BadRequestsGetClearErrors) {
  auto unknown = h.Call(SendBack(original_offset_, "NoSuchGroup", 0));
  EXPECT_EQ(unknown.code, rc::kSubscriptionGroupNotExist);
  EXPECT_NE(unknown.remark.value_or("").find("NoSuchGroup"), std::string::npos);

  auto no_record = h.Call(SendBack(999999, "G", 0));
  EXPECT_EQ(no_record.code, rc::kSystemError);
  EXPECT_NE(no_record.remark.value_or("").find("look message by offset failed, 999999"),
            std::string::npos);

  auto missing = SendBack(original_offset_, "G", 0);
  missing.ext_fields.erase("offset");
  auto r = h.Call(missing);
  EXPECT_EQ(r.code, rc::kSystemError);
  EXPECT_NE(r.remark.value_or("").find("offset"), std::string::npos);

  auto bad_level = SendBack(original_offset_, "G", 0);
  bad_level.SetExt("delayLevel", std::string("soon"));
  EXPECT_EQ(h.Call(bad_level).code, rc::kSystemError);

  h.replicator.role_ = ReplicaRole::kSlave;
  EXPECT_EQ(h.Call(SendBack(original_offset_, "G", 0)).code, rc::kNoPermission);
  EXPECT_EQ(Count("%RETRY%G"), 0);
  EXPECT_EQ(Count("%DLQ%G"), 0);
}

}  // namespace
}  // namespace quiver::broker
