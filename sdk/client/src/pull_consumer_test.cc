#include "quiver/client/pull_consumer.h"

#include <gtest/gtest.h>

#include "quiver/protocol/codes.h"
#include "testing/fake_cluster.h"

namespace quiver::inline v1::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeCluster;
namespace req = protocol::request_code;

// Polls until `count` messages arrived or 10 s passed.
std::vector<MessageExt> PollUntil(PullConsumer& consumer, std::size_t count) {
  std::vector<MessageExt> all;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.Poll(200ms);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) break;
    for (auto& m : *batch) all.push_back(std::move(m));
  }
  return all;
}

TEST(PullConsumerTest, DecodesEveryRecordAndRechecksTags) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  for (int i = 0; i < 6; ++i) {
    cluster.broker(0).Append("T", 0, "body-" + std::to_string(i), i % 2 == 0 ? "A" : "B");
  }
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(consumer.Subscribe("T", "A").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> got = PollUntil(consumer, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body, "body-0");
  EXPECT_EQ(got[1].body, "body-2");
  EXPECT_EQ(got[2].body, "body-4");
  EXPECT_EQ(got[1].tags, "A");
  EXPECT_EQ(got[1].queue_offset, QueueOffset(2));
  EXPECT_EQ(got[1].queue, (MessageQueue{"T", "broker-a", 0}));
  EXPECT_EQ(got[0].offset_msg_id, "0A00000100002A9F0000000000000000");
  // Filtered messages still move the consumed offset: the commit says 6.
  ASSERT_TRUE(consumer.CommitSync().ok());
  EXPECT_EQ(cluster.broker(0).CommittedOffset("CG", "T", 0), 6);
  // The pull carried the subscription and long polling flags.
  auto pulls = cluster.transport.RequestsWithCode(req::kPullMessage);
  ASSERT_FALSE(pulls.empty());
  EXPECT_EQ(*pulls[0].request.FindExt("subscription"), "A");
  EXPECT_EQ(*pulls[0].request.FindExt("sysFlag"), "6");
  const std::int64_t suspend = *pulls[0].request.GetExtInt("suspendTimeoutMillis", -1);
  EXPECT_GT(suspend, 0);
  EXPECT_LE(suspend, 200);  // never longer than the poll timeout
}

TEST(PullConsumerTest, AQueueIsPulledAgainAtOnceUntilItsBufferThresholdIsReached) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  for (int i = 0; i < 100; ++i) cluster.broker(0).Append("T", 0, "m" + std::to_string(i));
  PullConsumer consumer(cluster.NewRuntime(),
                        {.group = "CG", .pull_batch_size = 10, .pull_threshold_for_queue = 30});
  ASSERT_TRUE(consumer.Assign({MessageQueue{"T", "broker-a", 0}}).ok());
  ASSERT_TRUE(consumer.Start().ok());
  // Each answer with messages starts the next pull (the fake transport answers inline)
  // until the queue holds 30 messages: three pulls fill the buffer and the first Poll gets
  // all of it.
  StatusOr<std::vector<MessageExt>> first = consumer.Poll(1s);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 30u);
  EXPECT_EQ(first->back().body, "m29");
  // Taking them made room: three more pulls went out before Poll returned, no further.
  EXPECT_EQ(cluster.transport.RequestsWithCode(req::kPullMessage).size(), 6u);
  EXPECT_EQ(*cluster.transport.RequestsWithCode(req::kPullMessage)[0].request.FindExt("maxMsgNums"),
            "10");
  StatusOr<std::vector<MessageExt>> second = consumer.Poll(1s);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->size(), 30u);
  EXPECT_EQ(second->front().body, "m30");
  EXPECT_EQ(second->front().queue_offset, QueueOffset(30));
}

TEST(PullConsumerTest, BodyCrcIsCheckedOnlyWhenAsked) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).Append("T", 0, "body");
  cluster.broker(0).CorruptBodyCrc("T", 0, 0);
  const MessageQueue queue{"T", "broker-a", 0};
  PullConsumer unchecked(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(unchecked.Assign({queue}).ok());
  ASSERT_TRUE(unchecked.Start().ok());
  std::vector<MessageExt> got = PollUntil(unchecked, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "body");

  PullConsumer checked(cluster.NewRuntime(), {.group = "CG2", .verify_body_crc = true});
  ASSERT_TRUE(checked.Assign({queue}).ok());
  ASSERT_TRUE(checked.Start().ok());
  StatusOr<std::vector<MessageExt>> none = checked.Poll(300ms);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());  // the pull failed on the CRC and backs off
}

TEST(PullConsumerTest, StartsAtTheCommittedOffset) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  for (int i = 0; i < 5; ++i) cluster.broker(0).Append("T", 0, "m" + std::to_string(i));
  cluster.broker(0).SetCommittedOffset("CG", "T", 0, 3);
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(consumer.Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> got = PollUntil(consumer, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, "m3");
}

TEST(PullConsumerTest, QueueWithMinOffsetZeroAndNoCommittedOffsetStartsAtZero) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 2);
  cluster.broker(0).Append("T", 0, "q0-old");
  cluster.broker(0).DeleteBelow("T", 0, 1);  // queue 0 lost offset 0: starts at the end
  cluster.broker(0).Append("T", 0, "q0-new");
  cluster.broker(0).Append("T", 1, "q1-first");  // queue 1 still holds offset 0
  PullConsumer consumer(cluster.NewRuntime(),
                        {.group = "CG", .consume_from_where = ConsumeFromWhere::kLastOffset});
  ASSERT_TRUE(consumer.Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> got = PollUntil(consumer, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "q1-first");
  EXPECT_TRUE(consumer.Poll(100ms)->empty());
}

TEST(PullConsumerTest, FromFirstOffsetStartsAtTheMinOffset) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).Append("T", 0, "gone");
  cluster.broker(0).Append("T", 0, "kept");
  cluster.broker(0).DeleteBelow("T", 0, 1);
  PullConsumer consumer(cluster.NewRuntime(),
                        {.group = "CG", .consume_from_where = ConsumeFromWhere::kFirstOffset});
  ASSERT_TRUE(consumer.Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> got = PollUntil(consumer, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "kept");
}

TEST(PullConsumerTest, OffsetMovedContinuesAtNextBeginOffset) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  for (int i = 0; i < 4; ++i) cluster.broker(0).Append("T", 0, "m" + std::to_string(i));
  cluster.broker(0).SetCommittedOffset("CG", "T", 0, 1);
  cluster.broker(0).DeleteBelow("T", 0, 3);  // the committed offset is gone
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(consumer.Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> got = PollUntil(consumer, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "m3");
  bool saw_moved = false;
  for (auto& s : cluster.transport.RequestsWithCode(req::kPullMessage)) {
    if (*s.request.FindExt("queueOffset") == "1") saw_moved = true;
  }
  EXPECT_TRUE(saw_moved);
}

TEST(PullConsumerTest, AutoCommitSendsOffsetsEveryFiveSecondsAndShutdownCommits) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).Append("T", 0, "a");
  auto consumer =
      std::make_unique<PullConsumer>(cluster.NewRuntime(), PullConsumerOptions{.group = "CG"});
  ASSERT_TRUE(consumer->Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer->Start().ok());
  ASSERT_EQ(PollUntil(*consumer, 1).size(), 1u);
  EXPECT_EQ(cluster.broker(0).CommittedOffset("CG", "T", 0), std::nullopt);
  cluster.clock.Advance(5s);
  EXPECT_EQ(cluster.broker(0).CommittedOffset("CG", "T", 0), 1);
  auto updates = cluster.transport.RequestsWithCode(req::kUpdateConsumerOffset);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0].oneway);

  cluster.broker(0).Append("T", 0, "b");
  ASSERT_EQ(PollUntil(*consumer, 1).size(), 1u);
  consumer.reset();  // shutdown commits
  EXPECT_EQ(cluster.broker(0).CommittedOffset("CG", "T", 0), 2);
}

TEST(PullConsumerTest, PicksUpQueuesAddedByARouteChange) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(consumer.Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  EXPECT_EQ(consumer.Assignment().size(), 1u);
  cluster.broker(0).CreateTopic("T", 2);  // hot expansion
  cluster.broker(0).Append("T", 1, "on-new-queue");
  cluster.PublishRoute("T");
  EXPECT_EQ(consumer.Assignment().size(), 2u);
  std::vector<MessageExt> got = PollUntil(consumer, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "on-new-queue");
}

TEST(PullConsumerTest, SeekMovesTheNextPull) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  for (int i = 0; i < 3; ++i) cluster.broker(0).Append("T", 0, "m" + std::to_string(i));
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  const MessageQueue q{"T", "broker-a", 0};
  ASSERT_TRUE(consumer.Assign({q}).ok());
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_EQ(PollUntil(consumer, 3).size(), 3u);
  ASSERT_TRUE(consumer.SeekToBeginning(q).ok());
  std::vector<MessageExt> again = PollUntil(consumer, 3);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].body, "m0");
  ASSERT_TRUE(consumer.SeekToEnd(q).ok());
  EXPECT_TRUE(consumer.Poll(50ms)->empty());
  ASSERT_TRUE(consumer.SeekToTimestamp(q, testing::ManualClock::kStartWallMillis).ok());
  EXPECT_EQ(PollUntil(consumer, 3).size(), 3u);
  EXPECT_EQ(
      consumer.Seek(MessageQueue{"T", "broker-a", 9}, QueueOffset(0)),
      NotFoundError("MessageQueue [topic=T, brokerName=broker-a, queueId=9] is not assigned"));
}

TEST(PullConsumerTest, HeartbeatsCarryTheConsumerDataSet) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  ASSERT_TRUE(consumer.Subscribe("T", "A || B").ok());
  ASSERT_TRUE(consumer.Start().ok());
  auto beats = cluster.broker(0).heartbeats();
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_NE(beats[0].find("\"groupName\":\"CG\",\"consumeType\":\"CONSUME_ACTIVELY\","
                          "\"messageModel\":\"CLUSTERING\""),
            std::string::npos)
      << beats[0];
  EXPECT_NE(beats[0].find("\"tagsSet\":[\"A\",\"B\"],\"codeSet\":[65,66]"), std::string::npos)
      << beats[0];
  cluster.clock.Advance(30s);
  EXPECT_EQ(cluster.broker(0).heartbeats().size(), 2u);
}

TEST(PullConsumerTest, PollBeforeStartFails) {
  FakeCluster cluster(1);
  PullConsumer consumer(cluster.NewRuntime(), {.group = "CG"});
  EXPECT_EQ(consumer.Poll(1ms).status(), FailedPreconditionError("the consumer is not started"));
}

}  // namespace
}  // namespace quiver::inline v1::client
