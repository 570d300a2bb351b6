#include "quiver/client/producer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_record.h"
#include "testing/fake_cluster.h"

namespace quiver::inline v1::client {
namespace {

using testing::FakeCluster;
namespace req = protocol::request_code;
namespace rc = protocol::response_code;

std::vector<std::string> SendTargets(FakeCluster& cluster) {
  std::vector<std::string> out;
  for (auto& s : cluster.transport.RequestsWithCode(req::kSendMessageV2)) out.push_back(s.address);
  return out;
}

TEST(ProducerTest, SendCarriesV2HeaderTagsKeysAndUniqKey) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 4);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  Message m("T", "TagA", "K1", "hello");
  m.properties["color"] = "red";
  StatusOr<SendResult> r = producer.Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, SendStatus::kSendOk);
  EXPECT_EQ(r->msg_id.size(), 32u);
  EXPECT_EQ(r->offset_msg_id, "0A00000100002A9F0000000000000000");
  EXPECT_EQ(r->message_queue.topic, "T");
  EXPECT_EQ(r->queue_offset, QueueOffset(0));

  auto sends = cluster.transport.RequestsWithCode(req::kSendMessageV2);
  ASSERT_EQ(sends.size(), 1u);
  const auto& h = sends[0].request;
  EXPECT_EQ(*h.FindExt("a"), "PG");
  EXPECT_EQ(*h.FindExt("b"), "T");
  EXPECT_EQ(*h.FindExt("c"), "TBW102");
  EXPECT_EQ(*h.FindExt("m"), "false");
  EXPECT_EQ(*h.FindExt("n"), "broker-a");
  const std::string& props = *h.FindExt("i");
  EXPECT_EQ(protocol::FindProperty(props, "TAGS"), "TagA");
  EXPECT_EQ(protocol::FindProperty(props, "KEYS"), "K1");
  EXPECT_EQ(protocol::FindProperty(props, "color"), "red");
  EXPECT_EQ(protocol::FindProperty(props, "UNIQ_KEY"), r->msg_id);
  EXPECT_EQ(cluster.broker(0).Messages("T").at(0).body, "hello");
  // The producer heartbeated its group to the broker it publishes to.
  ASSERT_FALSE(cluster.broker(0).heartbeats().empty());
  EXPECT_NE(cluster.broker(0).heartbeats()[0].find("\"producerDataSet\":[{\"groupName\":\"PG\"}]"),
            std::string::npos);
}

TEST(ProducerTest, RetriesOnAnotherBrokerAfterAFailureAndAvoidsItAfterwards) {
  FakeCluster cluster(2);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).FailNextSends(1, rc::kSystemBusy);
  cluster.transport.SetFault(cluster.broker(1).address(), Status::Ok());
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  // Find the first send's broker: make broker-a fail whichever is picked first by failing
  // both once, then check the retry went to the other one.
  cluster.broker(1).FailNextSends(1, rc::kSystemBusy);
  StatusOr<SendResult> r = producer.Send(Message("T", "", "", "x"));
  // Two failures (one per broker), the third attempt goes back to a broker.
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> targets = SendTargets(cluster);
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_NE(targets[0], targets[1]);

  // Now only broker-a fails: after one failure the producer keeps off it for a while.
  FakeCluster cluster2(2);
  cluster2.CreateTopic("T", 2);
  cluster2.transport.SetFault(cluster2.broker(0).address(), UnavailableError("connection refused"));
  Producer p2(cluster2.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(p2.Start().ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(p2.Send(Message("T", "", "", "x")).ok());
  std::vector<std::string> t2 = SendTargets(cluster2);
  const long to_a = std::count(t2.begin(), t2.end(), cluster2.broker(0).address());
  EXPECT_EQ(to_a, 1) << "broker-a was tried again within its isolation window";
  EXPECT_EQ(cluster2.broker(1).Messages("T").size(), 6u);
  // After the isolation (30 s) it is tried again.
  cluster2.transport.SetFault(cluster2.broker(0).address(), Status::Ok());
  cluster2.clock.Advance(std::chrono::seconds(31));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p2.Send(Message("T", "", "", "y")).ok());
  EXPECT_FALSE(cluster2.broker(0).Messages("T").empty());
}

TEST(ProducerTest, NonRetryableCodeFailsAtOnceWithTheBrokersAnswer) {
  FakeCluster cluster(2);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).FailNextSends(1, rc::kMessageIllegal);
  cluster.broker(1).FailNextSends(1, rc::kMessageIllegal);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  StatusOr<SendResult> r = producer.Send(Message("T", "", "", "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string addr = SendTargets(cluster).at(0);
  EXPECT_EQ(r.status().message(), "broker " + addr + " answered MESSAGE_ILLEGAL (13): injected");
  EXPECT_EQ(SendTargets(cluster).size(), 1u);
}

TEST(ProducerTest, GivesUpAfterTwoRetries) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).FailNextSends(5, rc::kServiceNotAvailable);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  StatusOr<SendResult> r = producer.Send(Message("T", "", "", "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(SendTargets(cluster).size(), 3u);
}

TEST(ProducerTest, OrderedSendPicksTheSameQueueForTheSameKey) {
  FakeCluster cluster(2);
  cluster.CreateTopic("T", 4);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  std::set<MessageQueue> for_key;
  for (int i = 0; i < 5; ++i) {
    auto r =
        producer.Send(Message("T", "", "", "m" + std::to_string(i)), SelectByKeyHash("order-42"));
    ASSERT_TRUE(r.ok()) << r.status();
    for_key.insert(r->message_queue);
  }
  EXPECT_EQ(for_key.size(), 1u);
  // Java: Math.abs("order-42".hashCode()) % 8 over queues sorted by broker then id.
  const std::int64_t h =
      std::abs(static_cast<std::int64_t>(protocol::JavaStringHashCode("order-42")));
  const std::int64_t index = h % 8;
  const MessageQueue expected{"T", index < 4 ? "broker-a" : "broker-b",
                              static_cast<std::int32_t>(index % 4)};
  EXPECT_EQ(*for_key.begin(), expected);
}

TEST(ProducerTest, BatchIsOneSendBatchMessageStoredAsSeparateMessages) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  std::vector<Message> batch = {Message("T", "A", "k0", "b0"), Message("T", "B", "k1", "b1")};
  StatusOr<SendResult> r = producer.SendBatch(batch);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(cluster.transport.RequestsWithCode(req::kSendBatchMessage).size(), 1u);
  EXPECT_EQ(*cluster.transport.RequestsWithCode(req::kSendBatchMessage)[0].request.FindExt("m"),
            "true");
  auto stored = cluster.broker(0).Messages("T");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1].body, "b1");
  EXPECT_EQ(protocol::FindProperty(stored[1].properties, "TAGS"), "B");
  EXPECT_EQ(r->msg_id.size(), 65u);  // two UNIQ_KEYs joined by a comma
  EXPECT_EQ(protocol::FindProperty(stored[0].properties, "UNIQ_KEY"), r->msg_id.substr(0, 32));
}

TEST(ProducerTest, MixedTopicsInABatchAreRefused) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  StatusOr<SendResult> r =
      producer.SendBatch({Message("T", "", "", "a"), Message("U", "", "", "b")});
  EXPECT_EQ(r.status(),
            InvalidArgumentError("every message of a batch must have the topic T, found U"));
}

TEST(ProducerTest, AsyncSendCompletesOnTheExecutorAndOnewayIsNotRetried) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 2);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  std::promise<StatusOr<SendResult>> done;
  producer.SendAsync(Message("T", "", "", "async"),
                     [&](StatusOr<SendResult> r) { done.set_value(r); });
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(future.get().ok());

  cluster.broker(0).FailNextSends(1, rc::kSystemBusy);
  EXPECT_TRUE(producer.SendOneway(Message("T", "", "", "oneway")).ok());
  EXPECT_EQ(cluster.transport.RequestsWithCode(req::kSendMessageV2).size(), 2u);
}

// A registry that answers GetRoute through the executor (the nameserver plugin does for a
// cached route) must not deadlock a burst of async sends to topics with no cached route:
// a send that waited for the route on the executor would wait for its own answer.
TEST(ProducerTest, AsyncBurstToUnroutedTopicsCompletesWhenTheRegistryAnswersOnTheExecutor) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 2);
  cluster.CreateTopic("TBW102", 8);
  cluster.broker(0).CreateTopic("NEW", 4);  // reached through TBW102's route
  cluster.discovery.AnswerRoutesOn(&cluster.executor());
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  constexpr int kSends = 40;
  std::mutex mu;
  std::condition_variable cv;
  int completed = 0;
  std::vector<Status> failures;
  for (int i = 0; i < kSends; ++i) {
    producer.SendAsync(Message(i % 2 == 0 ? "T" : "NEW", "", "", "m" + std::to_string(i)),
                       [&](StatusOr<SendResult> r) {
                         std::lock_guard lock(mu);
                         if (!r.ok()) failures.push_back(r.status());
                         ++completed;
                         cv.notify_all();
                       });
  }
  {
    std::unique_lock lock(mu);
    // Well below the 3 s registry wait a blocked executor thread would sit in.
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(2), [&] { return completed == kSends; }))
        << completed << " of " << kSends << " sends completed";
    ASSERT_TRUE(failures.empty()) << failures.front();
  }
  EXPECT_EQ(cluster.broker(0).Messages("T").size(), kSends / 2u);
  EXPECT_EQ(cluster.broker(0).Messages("NEW").size(), kSends / 2u);
  // Both routes are cached and followed: one route subscription per topic.
  EXPECT_EQ(cluster.discovery.subscription_count(), 2u);
}

TEST(ProducerTest, SendHeadersAreBinaryByDefaultAndRetriesShareOneBodyCopy) {
  FakeCluster cluster(2);
  cluster.CreateTopic("T", 1);
  cluster.broker(0).FailNextSends(1, rc::kSystemBusy);
  cluster.broker(1).FailNextSends(1, rc::kSystemBusy);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  StatusOr<SendResult> r = producer.Send(Message("T", "", "", "payload"));
  ASSERT_TRUE(r.ok()) << r.status();
  auto sends = cluster.transport.RequestsWithCode(req::kSendMessageV2);
  ASSERT_EQ(sends.size(), 3u);
  for (const auto& sent : sends) {
    EXPECT_EQ(sent.request.serialize_type, protocol::SerializeType::kRocketMq);
    ASSERT_EQ(sent.request.body.parts().size(), 1u);
    EXPECT_EQ(sent.request.body.parts()[0].view(), "payload");
    // Every attempt refers to the bytes prepared once.
    EXPECT_EQ(sent.request.body.parts()[0].data(), sends[0].request.body.parts()[0].data());
  }

  Producer json(cluster.NewRuntime(), {.group = "PG", .header_encoding = HeaderEncoding::kJson});
  ASSERT_TRUE(json.Start().ok());
  ASSERT_TRUE(json.Send(Message("T", "", "", "payload")).ok());
  sends = cluster.transport.RequestsWithCode(req::kSendMessageV2);
  EXPECT_EQ(sends.back().request.serialize_type, protocol::SerializeType::kJson);
}

TEST(ProducerTest, UnknownTopicIsSentThroughTheDefaultTopicRoute) {
  FakeCluster cluster(1);
  cluster.CreateTopic("TBW102", 8);
  cluster.broker(0).CreateTopic("NEW", 4);  // the broker would auto-create it
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  StatusOr<SendResult> r = producer.Send(Message("NEW", "", "", "x"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message_queue.topic, "NEW");
}

TEST(ProducerTest, SendBeforeStartFails) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  Producer producer(cluster.NewRuntime(), {});
  EXPECT_EQ(producer.Send(Message("T", "", "", "x")).status(),
            FailedPreconditionError("the producer is not started"));
  EXPECT_EQ(producer.Send(Message("T", "", "", "")).status(),
            InvalidArgumentError("the message body is empty"));
}

TEST(ProducerTest, HeartbeatsEveryThirtySeconds) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 1);
  Producer producer(cluster.NewRuntime(), {.group = "PG"});
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.Send(Message("T", "", "", "x")).ok());
  const std::size_t before = cluster.broker(0).heartbeats().size();
  cluster.clock.Advance(std::chrono::seconds(30));
  EXPECT_EQ(cluster.broker(0).heartbeats().size(), before + 1);
}

}  // namespace
}  // namespace quiver::inline v1::client
