// Scheduled messages, send-back and the DLQ in real processes (issue 6, broker side): a
// broker with millisecond-scale [broker] delay_levels; `quiver produce --delay-level`
// delivers after the delay and not before, also across a broker restart; raw
// CONSUMER_SEND_MSG_BACK requests cycle a message through %RETRY%<group> into %DLQ%<group>.
// Every wait is a condition with a deadline.

#include <iostream>
#include <optional>

#include "cluster_fixture.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_id.h"
#include "quiver/protocol/message_record.h"

namespace quiver::integration {
namespace {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

// Send + Receive, skipping the requests the broker sends this connection meanwhile
// (NOTIFY_CONSUMER_IDS_CHANGED once it is a consumer).
StatusOr<RemotingCommand> Call(RawConnection& broker, RemotingCommand request) {
  QUIVER_RETURN_IF_ERROR(broker.Send(request));
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(RemotingCommand frame, broker.Receive(5s));
    if (frame.is_response()) return frame;
  }
}

// GET_MAX_OFFSET of (topic, queue 0); -1 on any error.
std::int64_t MaxOffset(RawConnection& broker, const std::string& topic) {
  auto request = RemotingCommand::Request(req::kGetMaxOffset);
  request.SetExt("topic", topic);
  request.SetExt("queueId", std::int64_t{0});
  auto response = Call(broker, std::move(request));
  if (!response.ok() || response->code != rc::kSuccess) return -1;
  auto offset = response->GetExtInt("offset", -1);
  return offset.ok() ? *offset : -1;
}

// The commit-log offset of the message at `offset` of (topic, queue 0), read by a PULL
// with the subscription in the header.
std::optional<std::int64_t> PhysicalOffsetAt(RawConnection& broker, const std::string& group,
                                             const std::string& topic, std::int64_t offset) {
  auto request = RemotingCommand::Request(req::kPullMessage);
  request.SetExt("consumerGroup", group);
  request.SetExt("topic", topic);
  request.SetExt("queueId", std::int64_t{0});
  request.SetExt("queueOffset", offset);
  request.SetExt("maxMsgNums", std::int64_t{1});
  request.SetExt("sysFlag", std::int64_t{0x4});
  request.SetExt("commitOffset", std::int64_t{-1});
  request.SetExt("suspendTimeoutMillis", std::int64_t{0});
  request.SetExt("subscription", std::string("*"));
  request.SetExt("subVersion", std::int64_t{1});
  auto response = Call(broker, std::move(request));
  if (!response.ok() || response->code != rc::kSuccess) {
    ADD_FAILURE() << "PULL " << topic << " at " << offset << ": "
                  << (response.ok()
                          ? std::to_string(response->code) + " " + response->remark.value_or("")
                          : response.status().ToString());
    return std::nullopt;
  }
  std::string body = response->body.ToString();
  auto record =
      protocol::DecodeRecord({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
  if (!record.ok()) {
    ADD_FAILURE() << "PULL " << topic << " at " << offset << ": " << record.status();
    return std::nullopt;
  }
  return record->physical_offset.value();
}

class ScheduledMessageTest : public ClusterTest {
 protected:
  ScheduledMessageTest() : ClusterTest("nameserver") {}
};

TEST_F(ScheduledMessageTest, DelayedMessageArrivesAfterItsDelayNotBeforeAlsoAcrossARestart) {
  StartNameServer();
  BrokerOptions options;
  options.broker_extra = "delay_levels = \"500ms 3s\"";
  int broker = StartBroker(options);
  CreateTopic("Delayed", 1, 1);
  RawConnection raw(Address(broker));
  ASSERT_TRUE(raw.connected());

  const auto before = Clock::now();
  CommandResult sent = Quiver(
      {"produce", "-n", NamesrvList(), "-t", "Delayed", "--body", "late", "--delay-level", "2"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  EXPECT_EQ(MaxOffset(raw, "Delayed"), 0) << "delivered at once";
  ASSERT_TRUE(WaitUntil(15s, [&] { return MaxOffset(raw, "Delayed") == 1; }));
  const auto waited = Clock::now() - before;
  EXPECT_GE(waited, 3s) << "delivered before its 3 s delay";
  std::cerr << "level 2 (3 s) message seen after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
            << " ms, counted from before `quiver produce` started\n";

  CommandResult got = Quiver({"consume", "-n", NamesrvList(), "-t", "Delayed", "-g", "G1",
                              "--from-beginning", "--count", "1", "--print", "--timeout", "20"});
  ASSERT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(got.out, "late\n");

  // A restart while a message waits: delivered once, after the restart.
  sent = Quiver(
      {"produce", "-n", NamesrvList(), "-t", "Delayed", "--body", "across", "--delay-level", "2"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  // And one already delivered before the stop (level 1, 500 ms) is not delivered again.
  sent = Quiver(
      {"produce", "-n", NamesrvList(), "-t", "Delayed", "--body", "early", "--delay-level", "1"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  ASSERT_TRUE(WaitUntil(10s, [&] { return MaxOffset(raw, "Delayed") == 2; }));
  ASSERT_TRUE(Stop(broker));
  Restart(broker);
  RawConnection again(Address(broker));
  ASSERT_TRUE(again.connected());
  ASSERT_TRUE(WaitUntil(15s, [&] { return MaxOffset(again, "Delayed") == 3; }));
  // Nothing more arrives: both levels' offsets survived the restart.
  EXPECT_FALSE(WaitUntil(4s, [&] { return MaxOffset(again, "Delayed") > 3; }));
  got = Quiver({"consume", "-n", NamesrvList(), "-t", "Delayed", "-g", "G2", "--from-beginning",
                "--count", "3", "--print", "--timeout", "20"});
  ASSERT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(got.out, "late\nearly\nacross\n");
}

TEST_F(ScheduledMessageTest, SendBackCyclesThroughTheRetryTopicIntoTheDeadLetterQueue) {
  StartNameServer();
  BrokerOptions options;
  options.broker_extra = "delay_levels = \"100ms 200ms 300ms 400ms 500ms\"";
  int broker = StartBroker(options);
  CreateTopic("Work", 1, 1);
  RawConnection raw(Address(broker));
  ASSERT_TRUE(raw.connected());

  // The group's consumer announces itself (this creates %RETRY%G and the group).
  protocol::HeartbeatData heartbeat;
  heartbeat.client_id = "127.0.0.1@test";
  protocol::ConsumerData consumer;
  consumer.group_name = "G";
  consumer.consume_type = "CONSUME_PASSIVELY";
  consumer.message_model = "CLUSTERING";
  consumer.consume_from_where = "CONSUME_FROM_FIRST_OFFSET";
  consumer.subscription_data_set = {protocol::BuildTagSubscription("Work", "*", 1),
                                    protocol::BuildTagSubscription("%RETRY%G", "*", 1)};
  heartbeat.consumer_data_set = {consumer};
  auto hb = RemotingCommand::Request(req::kHeartBeat);
  hb.body.Append(Buffer::FromString(protocol::EncodeHeartbeatData(heartbeat)));
  auto hb_response = Call(raw, std::move(hb));
  ASSERT_TRUE(hb_response.ok()) << hb_response.status();
  ASSERT_EQ(hb_response->code, rc::kSuccess) << hb_response->remark.value_or("");

  CommandResult sent =
      Quiver({"produce", "-n", NamesrvList(), "-t", "Work", "--body", "poison", "--key", "k1"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  std::optional<std::int64_t> offset = PhysicalOffsetAt(raw, "G", "Work", 0);
  ASSERT_TRUE(offset.has_value());

  auto send_back = [&](std::int64_t physical) {
    auto request = RemotingCommand::Request(req::kConsumerSendMsgBack);
    request.SetExt("offset", physical);
    request.SetExt("group", std::string("G"));
    request.SetExt("delayLevel", std::int64_t{0});
    request.SetExt("maxReconsumeTimes", std::int64_t{2});
    return Call(raw, std::move(request));
  };
  for (std::int64_t i = 0; i < 2; ++i) {
    const auto before = Clock::now();
    auto response = send_back(*offset);
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(response->code, rc::kSuccess) << response->remark.value_or("");
    ASSERT_TRUE(WaitUntil(10s, [&] { return MaxOffset(raw, "%RETRY%G") == i + 1; }));
    // Level 3 + reconsumeTimes: 300 ms, then 400 ms.
    EXPECT_GE(Clock::now() - before, std::chrono::milliseconds(300 + 100 * i));
    offset = PhysicalOffsetAt(raw, "G", "%RETRY%G", i);
    ASSERT_TRUE(offset.has_value());
  }
  EXPECT_EQ(MaxOffset(raw, "%DLQ%G"), 0);  // nothing there yet
  auto last = send_back(*offset);          // reconsumeTimes 2 = max: straight to the DLQ
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->code, rc::kSuccess) << last->remark.value_or("");
  EXPECT_EQ(MaxOffset(raw, "%DLQ%G"), 1);
  EXPECT_EQ(MaxOffset(raw, "%RETRY%G"), 2);

  // The DLQ is routed (write-only, as RocketMQ) and consumerProgress lists the group.
  ASSERT_TRUE(WaitUntil(10s, [&] {
    CommandResult route = Quiver({"admin", "topicRoute", "-n", NamesrvList(), "-t", "%DLQ%G"});
    return route.status == 0;
  }));
  CommandResult progress = Quiver({"admin", "consumerProgress", "-n", NamesrvList(), "-g", "G"});
  EXPECT_EQ(progress.status, 0) << progress.err;
  EXPECT_NE(progress.out.find("%RETRY%G"), std::string::npos) << progress.out;
  // #Client IP: the client id of the connection that pulled the queues.
  EXPECT_NE(progress.out.find("127.0.0.1@test"), std::string::npos) << progress.out;
}

}  // namespace
}  // namespace quiver::integration
