#include "kernel/roles/broker/processing/offset_processor.h"

#include <fstream>

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using fakes::Ext;
using fakes::SendRequest;
using protocol::RemotingCommand;

RemotingCommand OffsetRequest(std::int32_t code, const std::string& topic, std::int32_t queue) {
  auto request = RemotingCommand::Request(code);
  request.SetExt("consumerGroup", std::string("G"));
  request.SetExt("topic", topic);
  request.SetExt("queueId", std::int64_t{queue});
  return request;
}

class OffsetProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.StartBroker().ok()); }
  fakes::BrokerHarness h;
};

TEST_F(OffsetProcessorTest, QueryWithoutCommitStartsAtZeroWhileQueueHoldsEverything) {
  auto response = h.Call(OffsetRequest(req::kQueryConsumerOffset, "T", 0));
  EXPECT_EQ(response.code, rc::kSuccess);
  EXPECT_EQ(Ext(response, "offset"), "0");
}

TEST_F(OffsetProcessorTest, CommittedOffsetIsQueriedAndSurvivesRestart) {
  auto update = OffsetRequest(req::kUpdateConsumerOffset, "T", 2);
  update.SetExt("commitOffset", std::int64_t{42});
  ASSERT_EQ(h.Call(update).code, rc::kSuccess);
  auto negative = OffsetRequest(req::kUpdateConsumerOffset, "T", 2);
  negative.SetExt("commitOffset", std::int64_t{-1});
  ASSERT_EQ(h.Call(negative).code, rc::kSuccess);
  auto query = h.Call(OffsetRequest(req::kQueryConsumerOffset, "T", 2));
  EXPECT_EQ(query.code, rc::kSuccess);
  EXPECT_EQ(Ext(query, "offset"), "42");

  h.StopBroker();  // persists consumerOffset.json
  ASSERT_TRUE(h.StartBroker().ok());
  auto again = h.Call(OffsetRequest(req::kQueryConsumerOffset, "T", 2));
  EXPECT_EQ(Ext(again, "offset"), "42");
}

TEST_F(OffsetProcessorTest, OffsetsAreFlushedPeriodically) {
  auto update = OffsetRequest(req::kUpdateConsumerOffset, "T", 0);
  update.SetExt("commitOffset", std::int64_t{7});
  ASSERT_EQ(h.Call(update).code, rc::kSuccess);
  std::filesystem::path file = h.dir() / "config" / "consumerOffset.json";
  EXPECT_FALSE(std::filesystem::exists(file));
  h.clock.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(std::filesystem::exists(file));
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, R"({"offsetTable":{"T@G":{"0":7}}})");
}

TEST_F(OffsetProcessorTest, MaxMinSearchAndEarliestTimeDescribeTheQueue) {
  ASSERT_EQ(h.Call(SendRequest("T", "a", "")).code, rc::kSuccess);
  h.clock.Advance(std::chrono::seconds(1));
  ASSERT_EQ(h.Call(SendRequest("T", "b", "")).code, rc::kSuccess);
  EXPECT_EQ(Ext(h.Call(OffsetRequest(req::kGetMaxOffset, "T", 0)), "offset"), "2");
  EXPECT_EQ(Ext(h.Call(OffsetRequest(req::kGetMinOffset, "T", 0)), "offset"), "0");
  auto search = OffsetRequest(req::kSearchOffsetByTimestamp, "T", 0);
  search.SetExt("timestamp", testing::ManualClock::kStartWallMillis + 500);
  EXPECT_EQ(Ext(h.Call(search), "offset"), "1");
  EXPECT_EQ(Ext(h.Call(OffsetRequest(req::kGetEarliestMsgStoretime, "T", 0)), "timestamp"),
            std::to_string(testing::ManualClock::kStartWallMillis));
  EXPECT_EQ(Ext(h.Call(OffsetRequest(req::kGetEarliestMsgStoretime, "T", 3)), "timestamp"), "-1");

  auto missing = RemotingCommand::Request(req::kGetMaxOffset);
  missing.SetExt("topic", std::string("T"));
  auto response = h.Call(missing);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""), "the custom field queueId is null");
}

TEST_F(OffsetProcessorTest, ViewMessageByIdReturnsTheRecord) {
  ASSERT_EQ(h.Call(SendRequest("T", "a", "")).code, rc::kSuccess);
  ASSERT_EQ(h.Call(SendRequest("T", "bb", "")).code, rc::kSuccess);
  auto first = h.store.ReadRecord(CommitLogOffset(0));
  ASSERT_TRUE(first.ok());
  auto view = RemotingCommand::Request(req::kViewMessageById);
  view.SetExt("offset", static_cast<std::int64_t>(first->size()));
  auto response = h.Call(view);
  ASSERT_EQ(response.code, rc::kSuccess);
  std::vector<std::uint8_t> bytes = response.body.Flatten();
  auto record = protocol::DecodeRecord(bytes);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->body.size(), 2u);

  view.SetExt("offset", std::int64_t{3});
  auto missing = h.Call(view);
  EXPECT_EQ(missing.code, rc::kSystemError);
  EXPECT_EQ(missing.remark.value_or(""), "can not find message by the offset, 3");
}

}  // namespace
}  // namespace quiver::broker
