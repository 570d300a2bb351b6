#include "kernel/roles/broker/processing/schedule_service.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
using fakes::Ext;
using fakes::Props;
using fakes::SendRequest;
using std::chrono::milliseconds;

const std::string kSchedule(kScheduleTopic);

class ScheduleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.settings.delay_levels = {milliseconds(100), milliseconds(200), milliseconds(500)};
    ASSERT_TRUE(h.StartBroker().ok());
  }
  // Moves time in 10 ms steps so that every timer's step runs at its due time.
  void Advance(milliseconds by) {
    for (milliseconds done{0}; done < by; done += milliseconds(10)) {
      h.clock.Advance(std::min(milliseconds(10), by - done));
      h.RunAll();
    }
  }
  std::int64_t Count(const std::string& topic, std::int32_t queue = 0) {
    return h.store.MaxOffset(topic, QueueId(queue)).value();
  }
  StatusOr<protocol::DecodedRecord> RecordAt(const std::string& topic, std::int32_t queue,
                                             std::int64_t offset, Buffer& keep) {
    ReadRequest read;
    read.topic = topic;
    read.queue_id = QueueId(queue);
    read.offset = QueueOffset(offset);
    read.max_messages = 1;
    auto result = h.store.Read(read);
    if (!result.ok()) return result.status();
    if (result->records.empty()) return NotFoundError("no record");
    keep = result->records.front();
    return protocol::DecodeRecord(keep.span());
  }
  std::string ReadFile(const std::string& name) {
    std::ifstream in(h.dir() / "config" / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fakes::BrokerHarness h;
};

TEST_F(ScheduleServiceTest, DelayedMessageWaitsInScheduleTopicAndIsDeliveredWhenDue) {
  std::int64_t sent_at = h.clock.WallMillis();
  auto response = h.Call(SendRequest(
      "T", "later", Props({{"TAGS", "TagA"}, {"KEYS", "k1"}, {"DELAY", "2"}, {"x", "y"}}), 1));
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  EXPECT_EQ(Ext(response, "queueId"), "1");
  EXPECT_EQ(Count("T", 1), 0);
  ASSERT_EQ(Count(kSchedule, 1), 1);  // level 2 = queue 1
  ASSERT_TRUE(h.metadata->topics().Find(kSchedule).has_value());
  EXPECT_EQ(h.metadata->topics().Find(kSchedule)->read_queue_nums, 3);

  Buffer scheduled_bytes;
  auto scheduled = RecordAt(kSchedule, 1, 0, scheduled_bytes);
  ASSERT_TRUE(scheduled.ok()) << scheduled.status();
  EXPECT_EQ(protocol::FindProperty(scheduled->properties, "REAL_TOPIC"), "T");
  EXPECT_EQ(protocol::FindProperty(scheduled->properties, "REAL_QID"), "1");
  // The consume-queue tag code is the delivery time: a read filtering on it finds it.
  ReadRequest by_time;
  by_time.topic = kSchedule;
  by_time.queue_id = QueueId(1);
  by_time.tag_codes = {sent_at + 200};
  EXPECT_EQ(h.store.Read(by_time)->status, ReadStatus::kFound);

  Advance(milliseconds(190));
  EXPECT_EQ(Count("T", 1), 0) << "delivered before its delay";
  Advance(milliseconds(10));
  ASSERT_EQ(Count("T", 1), 1);
  EXPECT_EQ(h.broker->DelayedDelivered(), 1);

  Buffer delivered_bytes;
  auto delivered = RecordAt("T", 1, 0, delivered_bytes);
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(delivered->body.data()), delivered->body.size()),
      "later");
  EXPECT_EQ(protocol::FindProperty(delivered->properties, "TAGS"), "TagA");
  EXPECT_EQ(protocol::FindProperty(delivered->properties, "KEYS"), "k1");
  EXPECT_EQ(protocol::FindProperty(delivered->properties, "x"), "y");
  EXPECT_FALSE(protocol::FindProperty(delivered->properties, "DELAY").has_value());
  EXPECT_NE(delivered->physical_offset, scheduled->physical_offset);
  EXPECT_EQ(delivered->born_timestamp_ms, 1700000000123);
  EXPECT_EQ(h.metadata->delay_offsets().Get(2), 1);

  // A consumer filtering on TagA finds it: the tag code is the tag's again.
  ReadRequest by_tag;
  by_tag.topic = "T";
  by_tag.queue_id = QueueId(1);
  by_tag.tag_codes = {protocol::JavaStringHashCode("TagA")};
  EXPECT_EQ(h.store.Read(by_tag)->status, ReadStatus::kFound);
}

TEST_F(ScheduleServiceTest, LevelAboveTheLastIsClampedToTheLast) {
  ASSERT_EQ(h.Call(SendRequest("T", "b", Props({{"DELAY", "99"}}))).code, rc::kSuccess);
  ASSERT_EQ(Count(kSchedule, 2), 1);
  Buffer keep;
  auto scheduled = RecordAt(kSchedule, 2, 0, keep);
  ASSERT_TRUE(scheduled.ok());
  EXPECT_EQ(protocol::FindProperty(scheduled->properties, "DELAY"), "3");
  Advance(milliseconds(490));
  EXPECT_EQ(Count("T"), 0);
  Advance(milliseconds(10));
  EXPECT_EQ(Count("T"), 1);
}

TEST_F(ScheduleServiceTest, ZeroOrInvalidDelayIsStoredDirectly) {
  ASSERT_EQ(h.Call(SendRequest("T", "a", Props({{"DELAY", "0"}}))).code, rc::kSuccess);
  ASSERT_EQ(h.Call(SendRequest("T", "b", Props({{"DELAY", "soon"}}))).code, rc::kSuccess);
  EXPECT_EQ(Count("T"), 2);
  EXPECT_FALSE(h.metadata->topics().Find(kSchedule).has_value());
}

TEST_F(ScheduleServiceTest, MessagesOfOneLevelAreDeliveredInOrder) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(h.Call(SendRequest("T", "m" + std::to_string(i), Props({{"DELAY", "1"}}))).code,
              rc::kSuccess);
    Advance(milliseconds(30));
  }
  Advance(milliseconds(30));  // 120 ms after the first: only it is due
  EXPECT_EQ(Count("T"), 1);
  Advance(milliseconds(60));
  ASSERT_EQ(Count("T"), 3);
  for (int i = 0; i < 3; ++i) {
    Buffer keep;
    auto r = RecordAt("T", 0, i, keep);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->body.data()), r->body.size()),
              "m" + std::to_string(i));
  }
}

TEST_F(ScheduleServiceTest, SlaveDoesNotDeliverUntilItBecomesMaster) {
  ASSERT_EQ(h.Call(SendRequest("T", "b", Props({{"DELAY", "1"}}))).code, rc::kSuccess);
  h.replicator.role_ = ReplicaRole::kSlave;
  Advance(milliseconds(2000));
  EXPECT_EQ(Count("T"), 0);
  h.replicator.role_ = ReplicaRole::kMaster;
  Advance(milliseconds(1000));
  EXPECT_EQ(Count("T"), 1);
}

TEST_F(ScheduleServiceTest, RestartNeitherLosesNorRepeatsDeliveries) {
  ASSERT_EQ(h.Call(SendRequest("T", "fast", Props({{"DELAY", "1"}}))).code, rc::kSuccess);
  ASSERT_EQ(h.Call(SendRequest("T", "slow", Props({{"DELAY", "3"}}))).code, rc::kSuccess);
  Advance(milliseconds(150));
  ASSERT_EQ(Count("T"), 1);
  h.StopBroker();
  EXPECT_EQ(ReadFile("delayOffset.json"), R"({"offsetTable":{"1":1}})");

  ASSERT_TRUE(h.StartBroker().ok());
  h.RunAll();
  EXPECT_EQ(Count("T"), 1) << "level 1 delivered again after restart";
  Advance(milliseconds(400));
  ASSERT_EQ(Count("T"), 2);
  Advance(milliseconds(2000));
  EXPECT_EQ(Count("T"), 2);
  Buffer keep;
  auto second = RecordAt("T", 0, 1, keep);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(second->body.data()), second->body.size()),
            "slow");
  // Offsets also go to slaves through the replication metadata.
  EXPECT_EQ(h.metadata->Export(MetadataKind::kDelayOffsets), R"({"offsetTable":{"1":1,"3":1}})");
}

TEST_F(ScheduleServiceTest, ImportedDelayOffsetsAreWhereDeliveryContinues) {
  ASSERT_EQ(h.Call(SendRequest("T", "a", Props({{"DELAY", "1"}}))).code, rc::kSuccess);
  ASSERT_EQ(h.Call(SendRequest("T", "b", Props({{"DELAY", "1"}}))).code, rc::kSuccess);
  // A master already delivered the first one.
  ASSERT_TRUE(h.metadata->Import(MetadataKind::kDelayOffsets, R"({"offsetTable":{"1":1}})").ok());
  Advance(milliseconds(200));
  ASSERT_EQ(Count("T"), 1);
  Buffer keep;
  auto r = RecordAt("T", 0, 0, keep);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->body.data()), r->body.size()), "b");
}

TEST_F(ScheduleServiceTest, FailedDeliveryIsRetriedNotSkipped) {
  ASSERT_EQ(h.Call(SendRequest("T", "b", Props({{"DELAY", "1"}}))).code, rc::kSuccess);
  h.store.FailNextAppend(InternalError("disk hiccup"));
  Advance(milliseconds(100));
  EXPECT_EQ(Count("T"), 0);
  Advance(milliseconds(1000));
  EXPECT_EQ(Count("T"), 1);
}

TEST(ToScheduleTopicTest, TransactionPreparedMessagesAreNotScheduled) {
  Message m;
  m.topic = "T";
  m.properties = Props({{"DELAY", "1"}});
  m.sys_flag = sys_flag::kTransactionPrepared;
  EXPECT_EQ(ToScheduleTopic(m, {std::chrono::seconds(1)}, 0), 0);
  EXPECT_EQ(m.topic, "T");
  m.sys_flag = 0;
  EXPECT_EQ(ToScheduleTopic(m, {std::chrono::seconds(1)}, 5), 1);
  EXPECT_EQ(m.topic, kSchedule);
  EXPECT_EQ(m.tags_code, 1005);
}

}  // namespace
}  // namespace quiver::broker
