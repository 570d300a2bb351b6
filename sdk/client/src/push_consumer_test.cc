#include "quiver/client/push_consumer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "quiver/protocol/codes.h"
#include "testing/fake_cluster.h"

namespace quiver::inline v1::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeCluster;

// Re-checks `condition` until it holds or 10 s pass (no sleep-for-sync: a deadline).
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return condition();
}

// Collects what a listener saw, thread-safe.
struct Seen {
  std::mutex mu;
  std::vector<MessageExt> messages;
  void Add(const std::vector<MessageExt>& batch) {
    std::lock_guard lock(mu);
    messages.insert(messages.end(), batch.begin(), batch.end());
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const MessageExt& m : messages) out.push_back(m.body);
    std::sort(out.begin(), out.end());
    return out;
  }
};

class PushConsumerTest : public ::testing::Test {
 protected:
  std::unique_ptr<PushConsumer> Consumer(const std::string& client_id,
                                         PushConsumerOptions options = {}) {
    if (options.group == "DEFAULT_CONSUMER") options.group = "CG";
    runtimes_[client_id] = cluster_.NewRuntime(client_id);
    return std::make_unique<PushConsumer>(runtimes_[client_id], std::move(options));
  }
  ConcurrentListener Collect(Seen& seen) {
    return [&seen](const std::vector<MessageExt>& batch) {
      seen.Add(batch);
      return ConsumeResult::kSuccess;
    };
  }

  FakeCluster cluster_{2};
  std::map<std::string, std::shared_ptr<ClientRuntime>> runtimes_;
};

TEST_F(PushConsumerTest, ConcurrentListenerGetsEveryMessageAndOffsetsAreCommitted) {
  cluster_.CreateTopic("T", 2);
  for (int i = 0; i < 12; ++i) {
    cluster_.broker(i % 2).Append("T", (i / 2) % 2, "m" + std::to_string(i));
  }
  Seen seen;
  auto consumer = Consumer("10.0.0.9@a", {.consume_threads = 3});
  ASSERT_TRUE(consumer->Subscribe("T", "*").ok());
  ASSERT_TRUE(consumer->RegisterListener(Collect(seen)).ok());
  ASSERT_TRUE(consumer->Start().ok());
  EXPECT_EQ(consumer->Assignment().size(), 4u);
  ASSERT_TRUE(Eventually([&] { return seen.size() == 12; })) << seen.size();
  // The 5 s persistence timer sends the offsets.
  cluster_.clock.Advance(5s);
  ASSERT_TRUE(Eventually([&] {
    for (int b = 0; b < 2; ++b) {
      for (int q = 0; q < 2; ++q) {
        if (cluster_.broker(b).CommittedOffset("CG", "T", q) != 3) return false;
      }
    }
    return true;
  }));
  // The heartbeat said: push consumer, clustering, with the retry topic.
  const std::string heartbeat = cluster_.broker(0).heartbeats().front();
  EXPECT_NE(heartbeat.find("\"consumeType\":\"CONSUME_PASSIVELY\""), std::string::npos);
  EXPECT_NE(heartbeat.find("\"messageModel\":\"CLUSTERING\""), std::string::npos);
  EXPECT_NE(heartbeat.find("%RETRY%CG"), std::string::npos);
  EXPECT_EQ(cluster_.broker(0).ConsumerIds("CG"), std::set<std::string>{"10.0.0.9@a"});
  consumer->Shutdown();
  EXPECT_TRUE(cluster_.broker(0).ConsumerIds("CG").empty());  // UNREGISTER_CLIENT
  EXPECT_EQ(seen.Bodies().size(), 12u);
}

TEST_F(PushConsumerTest, NotificationRebalancesAtOnceAndDroppedQueuesAreCommittedFirst) {
  cluster_.CreateTopic("T", 2);  // 4 queues over two brokers
  Seen seen;
  auto a = Consumer("10.0.0.1@a");
  ASSERT_TRUE(a->Subscribe("T", "*").ok());
  ASSERT_TRUE(a->RegisterListener(Collect(seen)).ok());
  ASSERT_TRUE(a->Start().ok());
  ASSERT_EQ(a->Assignment().size(), 4u);
  for (int b = 0; b < 2; ++b) {
    for (int q = 0; q < 2; ++q) cluster_.broker(b).Append("T", q, "x");
  }
  ASSERT_TRUE(Eventually([&] { return seen.size() == 4; }));
  const auto rebalances = a->Stats().rebalances;
  // A second member joins (sorted after a): a keeps broker-a's queues. No clock advance:
  // only the notification can trigger this rebalance before 20 s.
  for (int b = 0; b < 2; ++b) cluster_.broker(b).AddConsumer("CG", "10.0.0.1@b");
  runtimes_["10.0.0.1@a"]->NotifyConsumerIdsChanged("OTHER_GROUP");
  runtimes_["10.0.0.1@a"]->NotifyConsumerIdsChanged("CG");
  ASSERT_TRUE(Eventually([&] { return a->Assignment().size() == 2; }));
  EXPECT_EQ(a->Stats().rebalances, rebalances + 1);
  EXPECT_EQ(a->Assignment(),
            (std::vector<MessageQueue>{{"T", "broker-a", 0}, {"T", "broker-a", 1}}));
  // broker-b's queues were handed over with their offsets committed synchronously.
  EXPECT_EQ(cluster_.broker(1).CommittedOffset("CG", "T", 0), 1);
  EXPECT_EQ(cluster_.broker(1).CommittedOffset("CG", "T", 1), 1);
}

TEST_F(PushConsumerTest, RoundRobinStrategyDealsQueuesInTurn) {
  cluster_.CreateTopic("T", 2);
  for (int b = 0; b < 2; ++b) cluster_.broker(b).AddConsumer("CG", "10.0.0.1@0");
  Seen seen;
  auto c = Consumer("10.0.0.1@z", {.allocate_strategy = AllocateStrategy::kRoundRobin});
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener(Collect(seen)).ok());
  ASSERT_TRUE(c->Start().ok());
  // Sorted members: 10.0.0.1@0, 10.0.0.1@z -> this one takes queues 1 and 3.
  EXPECT_EQ(c->Assignment(),
            (std::vector<MessageQueue>{{"T", "broker-a", 1}, {"T", "broker-b", 1}}));
}

TEST_F(PushConsumerTest, FlowControlPausesAFullQueueAndResumesWhenItDrains) {
  cluster_.CreateTopic("T", 1);
  for (int i = 0; i < 60; ++i) cluster_.broker(0).Append("T", 0, "m");
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> consumed{0};
  auto c =
      Consumer("10.0.0.1@a",
               {.consume_threads = 1, .pull_threshold_for_queue = 10, .flow_control_delay = 1ms});
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([&](const std::vector<MessageExt>& batch) {
                 std::unique_lock lock(mu);
                 cv.wait(lock, [&] { return open; });
                 consumed += static_cast<int>(batch.size());
                 return ConsumeResult::kSuccess;
               }).ok());
  ASSERT_TRUE(c->Start().ok());
  // broker-a queue 0 got one pull of 32 (> 10): held back, its pulls stop.
  auto pulls_of_full_queue = [&] {
    int n = 0;
    for (const auto& sent :
         cluster_.transport.RequestsWithCode(protocol::request_code::kPullMessage)) {
      if (sent.address == cluster_.broker(0).address()) ++n;
    }
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return c->Stats().flow_control_pauses >= 20; }));
  const int pulls = pulls_of_full_queue();
  EXPECT_EQ(pulls, 1);
  const auto pauses = c->Stats().flow_control_pauses;
  ASSERT_TRUE(Eventually([&] { return c->Stats().flow_control_pauses >= pauses + 20; }));
  EXPECT_EQ(pulls_of_full_queue(), pulls);
  {
    std::lock_guard lock(mu);
    open = true;
  }
  cv.notify_all();
  ASSERT_TRUE(Eventually([&] { return consumed.load() == 60; })) << consumed.load();
  EXPECT_GT(pulls_of_full_queue(), pulls);
}

TEST_F(PushConsumerTest, OrderlyListenerRunsOneThreadPerQueueInOffsetOrderUnderBrokerLocks) {
  cluster_.CreateTopic("T", 2);
  for (int q = 0; q < 2; ++q) {
    for (int i = 0; i < 25; ++i) cluster_.broker(0).Append("T", q, std::to_string(i));
  }
  std::mutex mu;
  std::map<int, std::vector<std::int64_t>> order;
  std::map<int, int> running;
  std::atomic<bool> overlap{false};
  std::atomic<int> total{0};
  auto c = Consumer("10.0.0.1@a", {.consume_threads = 4});
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([&](const std::vector<MessageExt>& batch) {
                 const int q =
                     batch[0].queue.queue_id + (batch[0].queue.broker_name == "broker-b" ? 10 : 0);
                 {
                   std::lock_guard lock(mu);
                   if (++running[q] > 1) overlap = true;
                   for (const MessageExt& m : batch) order[q].push_back(m.queue_offset.value());
                 }
                 std::this_thread::sleep_for(200us);  // widen any overlap window
                 {
                   std::lock_guard lock(mu);
                   --running[q];
                 }
                 total += static_cast<int>(batch.size());
                 return OrderlyConsumeResult::kSuccess;
               }).ok());
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] { return total.load() == 50; })) << total.load();
  EXPECT_FALSE(overlap.load());
  for (int q = 0; q < 2; ++q) {
    std::vector<std::int64_t> expected;
    for (int i = 0; i < 25; ++i) expected.push_back(i);
    EXPECT_EQ(order[q], expected) << "queue " << q;
  }
  EXPECT_EQ(cluster_.broker(0).LockHolder("CG", "T", 0), "10.0.0.1@a");
  EXPECT_EQ(cluster_.broker(1).LockHolder("CG", "T", 1), "10.0.0.1@a");
  c->Shutdown();
  EXPECT_EQ(cluster_.broker(0).LockHolder("CG", "T", 0), "");  // UNLOCK_BATCH_MQ
  EXPECT_EQ(cluster_.broker(0).CommittedOffset("CG", "T", 0), 25);
}

TEST_F(PushConsumerTest, OrderlyQueueLockedByAnotherMemberIsNotConsumed) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "held");
  cluster_.broker(1).Append("T", 0, "free");
  Seen seen;
  for (int b = 0; b < 2; ++b) cluster_.broker(b).AddConsumer("CG", "10.0.0.1@a");
  auto c = Consumer("10.0.0.1@a");
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([&](const std::vector<MessageExt>& batch) {
                 seen.Add(batch);
                 return OrderlyConsumeResult::kSuccess;
               }).ok());
  {
    // Pre-lock broker-a queue 0 for "other".
    RemotingCommand lock = RemotingCommand::Request(protocol::request_code::kLockBatchMq);
    lock.body = BufferList(Buffer::FromString(
        R"({"consumerGroup":"CG","clientId":"10.0.0.1@other","mqSet":[{"topic":"T","brokerName":"broker-a","queueId":0}]})"));
    ASSERT_TRUE(cluster_.transport.InvokeSync("10.0.0.1:10911", lock, 1s).ok());
  }
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] { return seen.size() == 1; }));
  EXPECT_EQ(seen.Bodies(), std::vector<std::string>{"free"});
  EXPECT_EQ(c->Assignment(), (std::vector<MessageQueue>{{"T", "broker-b", 0}}));
  // The other member releases the lock: the queue is taken within a second or so, without
  // waiting for the 20 s rebalance (the manual clock does not move).
  RemotingCommand unlock = RemotingCommand::Request(protocol::request_code::kUnlockBatchMq);
  unlock.body = BufferList(Buffer::FromString(
      R"({"consumerGroup":"CG","clientId":"10.0.0.1@other","mqSet":[{"topic":"T","brokerName":"broker-a","queueId":0}]})"));
  ASSERT_TRUE(cluster_.transport.InvokeSync("10.0.0.1:10911", unlock, 1s).ok());
  ASSERT_TRUE(Eventually([&] { return seen.size() == 2; }));
  EXPECT_EQ(seen.Bodies(), (std::vector<std::string>{"free", "held"}));
}

TEST_F(PushConsumerTest, OrderlySuspendRetriesLocallyThenSendsTheMessageToTheDlq) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "poison");
  cluster_.broker(0).Append("T", 0, "next");
  std::mutex mu;
  std::vector<std::pair<std::string, int>> calls;
  auto c = Consumer("10.0.0.1@a", {.max_reconsume_times = 2, .suspend_current_queue_time = 1ms});
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([&](const std::vector<MessageExt>& batch) {
                 std::lock_guard lock(mu);
                 calls.emplace_back(batch[0].body, batch[0].reconsume_times);
                 return batch[0].body == "poison"
                            ? OrderlyConsumeResult::kSuspendCurrentQueueAMoment
                            : OrderlyConsumeResult::kSuccess;
               }).ok());
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return !calls.empty() && calls.back().first == "next";
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, int>>{
                       {"poison", 0}, {"poison", 1}, {"poison", 2}, {"next", 0}}));
  auto back = cluster_.broker(0).sent_back();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].group, "CG");
  EXPECT_EQ(back[0].delay_level, -1);  // straight to %DLQ%CG
  EXPECT_EQ(back[0].origin_topic, "T");
}

TEST_F(PushConsumerTest, RetryLaterSendsTheMessageBackAndTheOffsetMovesOn) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "ok-0");
  cluster_.broker(0).Append("T", 0, "bad");
  cluster_.broker(0).Append("T", 0, "ok-2");
  std::atomic<int> calls{0};
  auto c = Consumer("10.0.0.1@a", {.consume_threads = 1});
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([&](const std::vector<MessageExt>& batch) {
                 ++calls;
                 return batch[0].body == "bad" ? ConsumeResult::kRetryLater
                                               : ConsumeResult::kSuccess;
               }).ok());
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] { return calls.load() == 3; }));
  auto back = cluster_.broker(0).sent_back();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].group, "CG");
  EXPECT_EQ(back[0].delay_level, 0);  // the broker picks 3 + reconsume times
  EXPECT_EQ(back[0].origin_topic, "T");
  auto stored = cluster_.broker(0).Messages("T");
  EXPECT_EQ(c->Stats().sent_back, 1);
  c->Shutdown();
  EXPECT_EQ(cluster_.broker(0).CommittedOffset("CG", "T", 0), 3);
}

TEST_F(PushConsumerTest, RetryTopicMessagesAreHandedOutUnderTheirOriginalTopic) {
  cluster_.CreateTopic("T", 1);
  cluster_.CreateTopic("%RETRY%CG", 1);
  cluster_.broker(0).AppendWithProperties("%RETRY%CG", 0, "again",
                                          {{"RETRY_TOPIC", "T"}, {"TAGS", "TagA"}});
  Seen seen;
  auto c = Consumer("10.0.0.1@a");
  ASSERT_TRUE(c->Subscribe("T", "TagB").ok());
  ASSERT_TRUE(c->RegisterListener(Collect(seen)).ok());
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] { return seen.size() == 1; }));
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.messages[0].topic, "T");
  EXPECT_EQ(seen.messages[0].queue.topic, "%RETRY%CG");
}

TEST_F(PushConsumerTest, OnlyMatchingTagsReachTheListenerAndSkippedOnesStillCommit) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "a", "TagA");
  cluster_.broker(0).Append("T", 0, "c", "TagC");
  cluster_.broker(0).Append("T", 0, "b", "TagB");
  cluster_.broker(0).Append("T", 0, "c2", "TagC");
  Seen seen;
  auto c = Consumer("10.0.0.1@a");
  ASSERT_TRUE(c->Subscribe("T", "TagA || TagB").ok());
  ASSERT_TRUE(c->RegisterListener(Collect(seen)).ok());
  ASSERT_TRUE(c->Start().ok());
  ASSERT_TRUE(Eventually([&] { return seen.size() == 2; }));
  // The filtered-out tail (c2 at offset 3) is committed too, once the queue is drained.
  EXPECT_TRUE(Eventually([&] {
    cluster_.clock.Advance(5s);
    return cluster_.broker(0).CommittedOffset("CG", "T", 0) == 4;
  }));
  c->Shutdown();
  EXPECT_EQ(seen.Bodies(), (std::vector<std::string>{"a", "b"}));
}

class PushConsumerBroadcastTest : public PushConsumerTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quiver-push-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  PushConsumerOptions Options() {
    return {.message_model = MessageModel::kBroadcasting, .offset_store_dir = dir_.string()};
  }
  std::filesystem::path dir_;
};

TEST_F(PushConsumerBroadcastTest, EveryMemberGetsEveryMessageAndOffsetsGoToItsLocalFile) {
  cluster_.CreateTopic("T", 2);
  for (int i = 0; i < 8; ++i)
    cluster_.broker(i % 2).Append("T", i % 2 == 0 ? 0 : 1, std::to_string(i));
  Seen seen_a, seen_b;
  auto a = Consumer("10.0.0.1@a", Options());
  auto b = Consumer("10.0.0.1@b", Options());
  for (auto [c, seen] : {std::pair{a.get(), &seen_a}, std::pair{b.get(), &seen_b}}) {
    ASSERT_TRUE(c->Subscribe("T", "*").ok());
    ASSERT_TRUE(c->RegisterListener(Collect(*seen)).ok());
    ASSERT_TRUE(c->Start().ok());
    EXPECT_EQ(c->Assignment().size(), 4u);
  }
  ASSERT_TRUE(Eventually([&] { return seen_a.size() == 8 && seen_b.size() == 8; }));
  EXPECT_EQ(seen_a.Bodies(), seen_b.Bodies());
  a->Shutdown();
  b->Shutdown();
  EXPECT_TRUE(std::filesystem::exists(dir_ / "10.0.0.1@a" / "CG" / "offsets.json"));
  EXPECT_EQ(cluster_.broker(0).CommittedOffset("CG", "T", 0), std::nullopt);  // not on broker

  // a restarts from its file: only the new message arrives.
  cluster_.broker(0).Append("T", 0, "new");
  Seen again;
  auto a2 = Consumer("10.0.0.1@a", Options());
  ASSERT_TRUE(a2->Subscribe("T", "*").ok());
  ASSERT_TRUE(a2->RegisterListener(Collect(again)).ok());
  ASSERT_TRUE(a2->Start().ok());
  ASSERT_TRUE(Eventually([&] { return again.size() >= 1; }));
  a2->Shutdown();
  EXPECT_EQ(again.Bodies(), std::vector<std::string>{"new"});
}

TEST_F(PushConsumerBroadcastTest, CorruptOffsetsFileStopsStartOrStartsFreshByPolicy) {
  cluster_.CreateTopic("T", 1);
  const auto file = dir_ / "10.0.0.1@a" / "CG" / "offsets.json";
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "garbage";
  auto c = Consumer("10.0.0.1@a", Options());
  ASSERT_TRUE(c->Subscribe("T", "*").ok());
  ASSERT_TRUE(c->RegisterListener([](const std::vector<MessageExt>&) {
                 return ConsumeResult::kSuccess;
               }).ok());
  Status s = c->Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(file.string() + ": not a Quiver offsets file"), std::string::npos)
      << s.ToString();

  PushConsumerOptions fresh = Options();
  fresh.corrupt_offset_file = CorruptOffsetFilePolicy::kStartFresh;
  auto d = Consumer("10.0.0.1@a", fresh);
  ASSERT_TRUE(d->Subscribe("T", "*").ok());
  ASSERT_TRUE(d->RegisterListener([](const std::vector<MessageExt>&) {
                 return ConsumeResult::kSuccess;
               }).ok());
  EXPECT_TRUE(d->Start().ok());
  d->Shutdown();
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"offsetTable\""), std::string::npos) << text;  // rewritten
}

TEST_F(PushConsumerTest, StartNeedsAListenerAndASubscription) {
  auto c = Consumer("10.0.0.1@a");
  EXPECT_EQ(c->Start().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(c->RegisterListener([](const std::vector<MessageExt>&) {
                 return ConsumeResult::kSuccess;
               }).ok());
  EXPECT_EQ(c->Start().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c->Subscribe("", "*").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(c->Subscribe("NOPE", "*").ok());
  EXPECT_EQ(c->Start().code(), StatusCode::kNotFound);  // no route
}

}  // namespace
}  // namespace quiver::inline v1::client
