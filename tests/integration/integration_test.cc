// End to end on loopback: real name servers and brokers (`quiver start` child processes)
// and in-process SDK clients or `quiver` CLI commands (the cluster issue's scenarios).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cluster_fixture.h"
#include "quiver/protocol/codes.h"

namespace quiver::integration {
namespace {

using client::Message;
using client::MessageExt;
using client::MessageQueue;
using client::Producer;
using client::PullConsumer;
using client::SendResult;
using ::testing::HasSubstr;

// body -> keys ("k1 k2"), for comparing what was sent with what arrived.
using Multiset = std::multiset<std::pair<std::string, std::string>>;

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : " ") + k;
  return out;
}

Multiset Contents(const std::vector<Message>& messages) {
  Multiset out;
  for (const Message& m : messages) out.emplace(m.body, JoinKeys(m.keys));
  return out;
}

Multiset Contents(const std::vector<MessageExt>& messages) {
  Multiset out;
  for (const MessageExt& m : messages) out.emplace(m.body, JoinKeys(m.keys));
  return out;
}

std::multiset<std::string> Bodies(const std::vector<MessageExt>& messages) {
  std::multiset<std::string> out;
  for (const MessageExt& m : messages) out.insert(m.body);
  return out;
}

// Messages "prefix-i" with key "key-prefix-i"; bodies vary in length (and carry bytes that
// are not text) so that truncation or mixing would show.
std::vector<Message> MakeMessages(const std::string& topic, const std::string& prefix, int count,
                                  int first = 0) {
  std::vector<Message> out;
  for (int i = first; i < first + count; ++i) {
    std::string body = prefix + "-" + std::to_string(i) + "|";
    body.append(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
    body.push_back('\0');
    body.push_back(static_cast<char>(0xff));
    out.emplace_back(topic, "TagA", "key-" + prefix + "-" + std::to_string(i), body);
  }
  return out;
}

client::ProducerOptions ProducerOpts(const std::string& group) {
  client::ProducerOptions o;
  o.group = group;
  return o;
}

client::PullConsumerOptions ConsumerOpts(const std::string& group) {
  client::PullConsumerOptions o;
  o.group = group;
  o.consume_from_where = client::ConsumeFromWhere::kFirstOffset;
  o.auto_commit = false;
  o.pull_backoff_on_error = std::chrono::milliseconds(300);
  return o;
}

// The cluster scenarios (`ctest -R Integration` selects them).
class IntegrationTest : public ClusterTest {};

// ---------------------------------------------------------------------------------------

TEST_F(IntegrationTest, TenThousandMessagesOverTwoBrokerGroupsAreConsumedExactlyOnceIntact) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-b"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Bulk", 4, 2));

  const std::vector<Message> sent = MakeMessages("Bulk", "bulk", 10000);
  Producer producer(Runtime(), ProducerOpts("PG-bulk"));
  ASSERT_TRUE(producer.Start().ok());
  // Four sending threads, each a quarter of the messages.
  std::vector<std::thread> senders;
  std::mutex mu;
  std::map<std::string, int> per_broker;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (std::size_t i = t; i < sent.size(); i += 4) {
        StatusOr<SendResult> r = producer.Send(sent[i]);
        if (!r.ok()) {
          ++failures;
          std::lock_guard lock(mu);
          ADD_FAILURE() << "send " << i << ": " << r.status().ToString();
          return;
        }
        std::lock_guard lock(mu);
        ++per_broker[r->message_queue.broker_name];
      }
    });
  }
  for (std::thread& t : senders) t.join();
  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(per_broker["broker-a"] + per_broker["broker-b"], 10000);
  EXPECT_GT(per_broker["broker-a"], 0);
  EXPECT_GT(per_broker["broker-b"], 0);

  PullConsumer consumer(Runtime(), ConsumerOpts("CG-bulk"));
  ASSERT_TRUE(consumer.Subscribe("Bulk", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> received = PollAtLeast(consumer, sent.size(), 90s);
  // Nothing more arrives (no duplicates after the last one).
  StatusOr<std::vector<MessageExt>> extra = consumer.Poll(500ms);
  ASSERT_TRUE(extra.ok());
  received.insert(received.end(), extra->begin(), extra->end());

  ASSERT_EQ(received.size(), sent.size());
  EXPECT_TRUE(Contents(received) == Contents(sent)) << "bodies or keys differ";
  std::set<std::string> brokers;
  for (const MessageExt& m : received) {
    brokers.insert(m.queue.broker_name);
    EXPECT_EQ(m.tags, "TagA");
  }
  EXPECT_EQ(brokers, (std::set<std::string>{"broker-a", "broker-b"}));
}

TEST_F(IntegrationTest, TopicExpandedFromFourToEightQueuesWhileProducingIsConsumedWithoutGaps) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Grow", 4, 1));

  // The consumer runs from before the expansion to the end.
  PullConsumer consumer(Runtime(), ConsumerOpts("CG-grow"));
  ASSERT_TRUE(consumer.Subscribe("Grow", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<MessageExt> received;
  std::mutex received_mu;
  std::atomic<bool> consuming{true};
  std::thread consumer_thread([&] {
    while (consuming) {
      StatusOr<std::vector<MessageExt>> batch = consumer.Poll(200ms);
      if (!batch.ok()) continue;
      std::lock_guard lock(received_mu);
      received.insert(received.end(), batch->begin(), batch->end());
    }
  });

  Producer producer(Runtime(), ProducerOpts("PG-grow"));
  ASSERT_TRUE(producer.Start().ok());
  std::vector<Message> sent;
  std::set<int> queues_used;
  int next = 0;
  auto send_one = [&] {
    Message m = MakeMessages("Grow", "grow", 1, next++)[0];
    StatusOr<SendResult> r = producer.Send(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return false;
    sent.push_back(m);
    queues_used.insert(r->message_queue.queue_id);
    return true;
  };
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(send_one());
  EXPECT_EQ(queues_used, (std::set<int>{0, 1, 2, 3}));

  // Expand while a sender keeps going; nothing is restarted.
  std::atomic<bool> expanded{false};
  CommandResult expand;
  std::thread admin([&] {
    expand = Quiver({"admin", "updateTopic", "-n", NamesrvList(), "-c", "DefaultCluster", "-t",
                     "Grow", "-r", "8", "-w", "8"});
    expanded = true;
  });
  const auto end = Clock::now() + 30s;
  while (!(expanded && *queues_used.rbegin() >= 4) && Clock::now() < end) {
    if (!send_one()) break;
  }
  admin.join();
  ASSERT_EQ(expand.status, 0) << expand.err;
  ASSERT_GE(*queues_used.rbegin(), 4) << "no message went to a new queue within 30 s";
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(send_one());
  std::set<int> new_queues;
  for (int q : queues_used) {
    if (q >= 4) new_queues.insert(q);
  }
  EXPECT_EQ(new_queues, (std::set<int>{4, 5, 6, 7}));

  const bool all = WaitUntil(30s, [&] {
    std::lock_guard lock(received_mu);
    return received.size() >= sent.size();
  });
  consuming = false;
  consumer_thread.join();
  EXPECT_TRUE(all) << "consumed " << received.size() << " of " << sent.size();
  // Anything beyond what was sent would be a duplicate.
  StatusOr<std::vector<MessageExt>> extra = consumer.Poll(500ms);
  ASSERT_TRUE(extra.ok());
  received.insert(received.end(), extra->begin(), extra->end());
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(Contents(received) == Contents(sent)) << "messages skipped or duplicated";
  std::set<int> consumed_new;
  for (const MessageExt& m : received) {
    if (m.queue.queue_id >= 4) consumed_new.insert(m.queue.queue_id);
  }
  EXPECT_EQ(consumed_new, (std::set<int>{4, 5, 6, 7}));
}

TEST_F(IntegrationTest, KilledBrokerGroupFailsOverAndEveryAcknowledgedMessageIsConsumable) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int a = -1, b = -1;
  ASSERT_NO_FATAL_FAILURE(a = StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(b = StartBroker({.name = "broker-b"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Failover", 4, 2));

  client::ProducerOptions options = ProducerOpts("PG-failover");
  options.send_timeout = std::chrono::seconds(5);
  Producer producer(Runtime(), options);
  ASSERT_TRUE(producer.Start().ok());
  // Acknowledged messages per broker group; the producer runs until 600 were acknowledged
  // after the kill (or 60 s passed).
  std::mutex mu;
  std::map<std::string, std::vector<Message>> acknowledged;
  std::atomic<int> acked{0};
  std::atomic<int> acked_after_kill{0};
  std::atomic<bool> killed{false};
  std::atomic<int> failed{0};
  std::thread sender([&] {
    const auto end = Clock::now() + 60s;
    for (int i = 0; acked_after_kill < 600 && Clock::now() < end; ++i) {
      Message m = MakeMessages("Failover", "fo", 1, i)[0];
      const bool after = killed;
      StatusOr<SendResult> r = producer.Send(m);
      if (!r.ok()) {
        ++failed;
        continue;
      }
      std::lock_guard lock(mu);
      acknowledged[r->message_queue.broker_name].push_back(m);
      ++acked;
      if (after) ++acked_after_kill;
    }
  });
  ASSERT_TRUE(WaitUntil(30s, [&] { return acked >= 300; }));
  Kill(b);
  killed = true;
  sender.join();
  EXPECT_GE(acked_after_kill.load(), 600)
      << "the producer did not fail over within 60 s (" << failed << " sends failed)";
  std::cout << "acknowledged: broker-a " << acknowledged["broker-a"].size() << ", broker-b "
            << acknowledged["broker-b"].size() << "; failed sends " << failed << "\n";
  ASSERT_FALSE(acknowledged["broker-b"].empty());

  // Everything acknowledged by the surviving group is consumable now.
  std::vector<MessageQueue> queues_a, queues_b;
  for (int q = 0; q < 4; ++q) {
    queues_a.push_back({"Failover", "broker-a", q});
    queues_b.push_back({"Failover", "broker-b", q});
  }
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-failover-a"));
    ASSERT_TRUE(consumer.Assign(queues_a).ok());
    ASSERT_TRUE(consumer.Start().ok());
    std::vector<MessageExt> got = PollAtLeast(consumer, acknowledged["broker-a"].size(), 60s);
    EXPECT_TRUE(Contents(got) == Contents(acknowledged["broker-a"]))
        << "broker-a: " << got.size() << " consumed, " << acknowledged["broker-a"].size()
        << " acknowledged";
  }
  // And everything the killed group acknowledged, once it is back on the same store dir.
  ASSERT_NO_FATAL_FAILURE(Restart(b));
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-failover-b"));
    ASSERT_TRUE(consumer.Assign(queues_b).ok());
    ASSERT_TRUE(consumer.Start().ok());
    std::vector<MessageExt> got = PollAtLeast(consumer, acknowledged["broker-b"].size(), 60s);
    const Multiset got_set = Contents(got);
    for (const Message& m : acknowledged["broker-b"]) {
      EXPECT_EQ(got_set.count({m.body, JoinKeys(m.keys)}), 1u) << "lost: " << m.keys[0];
    }
  }
  (void)a;
}

TEST_F(IntegrationTest, BrokersReRegisterWithARestartedNameServerWithinAFewHeartbeats) {
  int ns = -1;
  ASSERT_NO_FATAL_FAILURE(ns = StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Reregister", 4, 1));

  EXPECT_TRUE(Stop(ns));
  ASSERT_NO_FATAL_FAILURE(Restart(ns));  // same port; it knows no broker now
  // Heartbeats every 1 s: the broker and its topic are back within a few intervals. A new
  // runtime has no cached route, so every check asks the restarted name server.
  const auto restarted = Clock::now();
  std::shared_ptr<client::ClientRuntime> fresh = NewRuntime();
  ASSERT_NE(fresh, nullptr);
  client::Admin admin(fresh);
  const bool back = WaitUntil(5s, [&] {
    StatusOr<TopicRouteData> route = admin.GetTopicRoute("Reregister");
    return route.ok() && route->queue_datas.size() == 1 &&
           route->queue_datas[0].broker_name == "broker-a" &&
           route->queue_datas[0].write_queue_nums == 4;
  });
  EXPECT_TRUE(back) << "no route of Reregister 5 s after the name server restarted";
  std::cout
      << "route back after "
      << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restarted).count()
      << " ms\n";
  EXPECT_TRUE(Registered("broker-a", fresh));

  // Clients work through it again.
  Producer producer(fresh, ProducerOpts("PG-rereg"));
  ASSERT_TRUE(producer.Start().ok());
  EXPECT_EQ(SendAll(producer, MakeMessages("Reregister", "rr", 5)).size(), 5u);
}

TEST_F(IntegrationTest, BrokerRestartedOnItsStoreDirKeepsMessagesAndOffsets) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int b = -1;
  ASSERT_NO_FATAL_FAILURE(b = StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Durable", 4, 1));

  const std::vector<Message> first = MakeMessages("Durable", "d", 200);
  {
    Producer producer(Runtime(), ProducerOpts("PG-durable"));
    ASSERT_TRUE(producer.Start().ok());
    ASSERT_EQ(SendAll(producer, first).size(), first.size());
  }
  std::vector<MessageExt> consumed_before;
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-durable"));
    ASSERT_TRUE(consumer.Subscribe("Durable", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    consumed_before = PollAtLeast(consumer, first.size(), 30s);
    ASSERT_EQ(consumed_before.size(), first.size());
    ASSERT_TRUE(consumer.CommitSync().ok());
  }
  client::Admin admin(Runtime());
  StatusOr<std::vector<client::QueueStatus>> status_before = admin.GetTopicStatus("Durable");
  ASSERT_TRUE(status_before.ok()) << status_before.status().ToString();
  StatusOr<std::vector<client::ConsumerQueueProgress>> progress_before =
      admin.GetConsumerProgress("CG-durable", "Durable");
  ASSERT_TRUE(progress_before.ok()) << progress_before.status().ToString();

  EXPECT_TRUE(Stop(b)) << "the broker did not exit 0 on SIGTERM";
  ASSERT_NO_FATAL_FAILURE(Restart(b));

  StatusOr<std::vector<client::QueueStatus>> status_after = UnavailableError("not asked yet");
  ASSERT_TRUE(WaitUntil(10s, [&] {
    status_after = admin.GetTopicStatus("Durable");
    return status_after.ok();
  })) << status_after.status().ToString();
  ASSERT_EQ(status_after->size(), status_before->size());
  for (std::size_t i = 0; i < status_before->size(); ++i) {
    EXPECT_EQ((*status_after)[i].queue, (*status_before)[i].queue);
    EXPECT_EQ((*status_after)[i].min_offset, (*status_before)[i].min_offset);
    EXPECT_EQ((*status_after)[i].max_offset, (*status_before)[i].max_offset);
  }
  StatusOr<std::vector<client::ConsumerQueueProgress>> progress_after =
      admin.GetConsumerProgress("CG-durable", "Durable");
  ASSERT_TRUE(progress_after.ok()) << progress_after.status().ToString();
  ASSERT_EQ(progress_after->size(), progress_before->size());
  for (std::size_t i = 0; i < progress_before->size(); ++i) {
    EXPECT_EQ((*progress_after)[i].consumer_offset, (*progress_before)[i].consumer_offset);
    EXPECT_EQ((*progress_after)[i].consumer_offset, (*progress_after)[i].broker_offset);
  }

  // Messages intact: a new group reads all 200 from the restarted broker.
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-durable-new"));
    ASSERT_TRUE(consumer.Subscribe("Durable", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    std::vector<MessageExt> all = PollAtLeast(consumer, first.size(), 30s);
    EXPECT_TRUE(Contents(all) == Contents(first)) << all.size() << " read back";
  }
  // Queue offsets continue where they were; the old group gets exactly the new messages.
  const std::vector<Message> second = MakeMessages("Durable", "d2", 20);
  {
    Producer producer(Runtime(), ProducerOpts("PG-durable"));
    ASSERT_TRUE(producer.Start().ok());
    std::vector<SendResult> results = SendAll(producer, second);
    ASSERT_EQ(results.size(), second.size());
    std::map<int, std::int64_t> max_before;
    for (const client::QueueStatus& q : *status_before) max_before[q.queue.queue_id] = q.max_offset;
    std::map<int, std::int64_t> next = max_before;
    for (const SendResult& r : results) {
      EXPECT_EQ(r.queue_offset.value(), next[r.message_queue.queue_id]++)
          << r.message_queue.ToString();
    }
  }
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-durable"));
    ASSERT_TRUE(consumer.Subscribe("Durable", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    std::vector<MessageExt> got = PollAtLeast(consumer, second.size(), 30s);
    StatusOr<std::vector<MessageExt>> extra = consumer.Poll(500ms);
    ASSERT_TRUE(extra.ok());
    got.insert(got.end(), extra->begin(), extra->end());
    EXPECT_TRUE(Contents(got) == Contents(second)) << got.size() << " consumed";
  }
}

TEST_F(IntegrationTest, NewConsumerInTheSameGroupStartsWhereTheStoppedOneCommitted) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Resume", 4, 1));
  const std::vector<Message> sent = MakeMessages("Resume", "r", 300);
  Producer producer(Runtime(), ProducerOpts("PG-resume"));
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_EQ(SendAll(producer, sent).size(), sent.size());

  std::vector<MessageExt> first;
  {
    client::PullConsumerOptions o = ConsumerOpts("CG-resume");
    o.pull_batch_size = 8;
    // The consumer reads ahead until this many messages wait per queue, and Poll returns
    // all of them: with the default (1,000) a starved test thread could get the whole
    // topic from one Poll. At 8 a queue is pulled again only once its buffer is empty.
    o.pull_threshold_for_queue = 8;
    PullConsumer consumer(Runtime(), o);
    ASSERT_TRUE(consumer.Subscribe("Resume", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    first = PollAtLeast(consumer, 100, 30s);
    ASSERT_GE(first.size(), 100u);
    ASSERT_LT(first.size(), sent.size());
    // Shutdown (destructor) commits what Poll returned, not what was only buffered.
  }
  std::vector<MessageExt> second;
  {
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-resume"));
    ASSERT_TRUE(consumer.Subscribe("Resume", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    second = PollAtLeast(consumer, sent.size() - first.size(), 30s);
    StatusOr<std::vector<MessageExt>> extra = consumer.Poll(500ms);
    ASSERT_TRUE(extra.ok());
    second.insert(second.end(), extra->begin(), extra->end());
  }
  EXPECT_EQ(first.size() + second.size(), sent.size());
  std::vector<MessageExt> both = first;
  both.insert(both.end(), second.begin(), second.end());
  EXPECT_TRUE(Contents(both) == Contents(sent)) << "duplicates or gaps across the restart";
}

// PULL_MESSAGE with the suspend flag, sent raw so that the test knows it is held.
protocol::RemotingCommand SuspendedPull(const std::string& topic, int queue_id,
                                        std::int64_t offset) {
  protocol::RemotingCommand pull =
      protocol::RemotingCommand::Request(protocol::request_code::kPullMessage);
  pull.SetExt("consumerGroup", "CG-longpoll");
  pull.SetExt("topic", topic);
  pull.SetExt("queueId", std::int64_t{queue_id});
  pull.SetExt("queueOffset", offset);
  pull.SetExt("maxMsgNums", std::int64_t{32});
  pull.SetExt("sysFlag", std::int64_t{2 | 4});  // suspend | subscription
  pull.SetExt("commitOffset", std::int64_t{0});
  pull.SetExt("suspendTimeoutMillis", std::int64_t{15000});
  pull.SetExt("subscription", "*");
  pull.SetExt("subVersion", std::int64_t{0});
  pull.SetExt("expressionType", "TAG");
  return pull;
}

TEST_F(IntegrationTest, LongPollingHandsOverAMessageThatArrivesDuringASuspendedPullAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int b = -1;
  ASSERT_NO_FATAL_FAILURE(b = StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("LongPoll", 1, 1));

  RawConnection connection(Address(b));
  ASSERT_TRUE(connection.connected());
  protocol::RemotingCommand pull = SuspendedPull("LongPoll", 0, 0);
  ASSERT_TRUE(connection.Send(pull).ok());
  // Held: nothing comes back while the queue is empty.
  StatusOr<protocol::RemotingCommand> early = connection.Receive(500ms);
  ASSERT_EQ(early.status().code(), StatusCode::kDeadlineExceeded)
      << "the pull was answered at once (code " << (early.ok() ? early->code : -1) << ")";

  Producer producer(Runtime(), ProducerOpts("PG-longpoll"));
  ASSERT_TRUE(producer.Start().ok());
  const auto sent_at = Clock::now();
  ASSERT_EQ(SendAll(producer, {Message("LongPoll", "TagA", "k", "wake-up")}).size(), 1u);
  StatusOr<protocol::RemotingCommand> answer = connection.Receive(14s);
  const auto waited = Clock::now() - sent_at;
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->code, protocol::response_code::kSuccess) << answer->remark.value_or("");
  EXPECT_EQ(answer->opaque, pull.opaque);
  EXPECT_GT(answer->body.size(), 0u);
  EXPECT_LT(waited, 5s) << "held pull answered after "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                        << " ms";

  // The same through the SDK: a Poll started before the send returns the message early.
  PullConsumer consumer(Runtime(), ConsumerOpts("CG-longpoll-sdk"));
  ASSERT_TRUE(consumer.Subscribe("LongPoll", "*").ok());
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_EQ(PollAtLeast(consumer, 1, 10s).size(), 1u);  // the first message
  std::atomic<bool> polled{false};
  StatusOr<std::vector<MessageExt>> batch = std::vector<MessageExt>{};
  Clock::time_point returned_at;
  std::thread poller([&] {
    batch = consumer.Poll(20s);
    returned_at = Clock::now();
    polled = true;
  });
  // Give the pull time to reach the broker and be held (the raw check above shows the
  // broker holds an empty pull); the bound below is what matters.
  EXPECT_FALSE(WaitUntil(500ms, [&] { return polled.load(); }));
  const auto second_sent_at = Clock::now();
  ASSERT_EQ(SendAll(producer, {Message("LongPoll", "TagA", "k", "second")}).size(), 1u);
  poller.join();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ((*batch)[0].body, "second");
  EXPECT_LT(returned_at - second_sent_at, 5s);
}

TEST_F(IntegrationTest, BadInputIsRejectedWithAClearErrorAndTheBrokerKeepsServing) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int b = -1;
  ASSERT_NO_FATAL_FAILURE(
      b = StartBroker(
          {.name = "broker-a", .auto_create_topic = false, .max_message_size = "64KiB"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Good", 2, 1));
  Producer producer(Runtime(), ProducerOpts("PG-bad"));
  ASSERT_TRUE(producer.Start().ok());
  int round = 0;
  // A normal send and receive still work.
  auto still_serving = [&] {
    const std::string body = "still-serving-" + std::to_string(round++);
    ASSERT_EQ(SendAll(producer, {Message("Good", "", "", body)}).size(), 1u);
    PullConsumer consumer(Runtime(), ConsumerOpts("CG-bad-" + std::to_string(round)));
    ASSERT_TRUE(consumer.Subscribe("Good", "*").ok());
    ASSERT_TRUE(consumer.Start().ok());
    std::vector<MessageExt> got = PollAtLeast(consumer, static_cast<std::size_t>(round), 10s);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(round));
    EXPECT_EQ(Bodies(got).count(body), 1u);
  };

  // Unknown topic, auto-create off.
  StatusOr<SendResult> unknown = producer.Send(Message("NoSuchTopic", "", "", "x"));
  ASSERT_FALSE(unknown.ok());
  // Without auto-create the broker registers no TBW102, so the name server's answer
  // (TOPIC_NOT_EXIST, 17) is what the producer reports.
  const std::string expected =
      "NOT_FOUND: route of topic NoSuchTopic: response code 17 (No topic route info in name "
      "server for the topic: NoSuchTopic)";
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().ToString(), expected);
  const CommandResult cli =
      Quiver({"produce", "-n", NamesrvList(), "-t", "NoSuchTopic", "--body", "x"});
  EXPECT_EQ(cli.status, 1) << cli.err;
  EXPECT_EQ(cli.err,
            "message 0 failed: " + expected + "\nsent 0/1 messages to NoSuchTopic (sync)\n");
  // The broker itself answers TOPIC_NOT_EXIST to a send for a topic it does not have.
  {
    RawConnection raw(Address(b));
    ASSERT_TRUE(raw.connected());
    protocol::RemotingCommand c =
        protocol::RemotingCommand::Request(protocol::request_code::kSendMessageV2);
    for (const auto& [k, v] : std::map<std::string, std::string>{{"a", "PG-raw"},
                                                                 {"b", "NoSuchTopic"},
                                                                 {"c", "TBW102"},
                                                                 {"d", "4"},
                                                                 {"e", "0"},
                                                                 {"f", "0"},
                                                                 {"g", "0"},
                                                                 {"h", "0"}}) {
      c.SetExt(k, v);
    }
    c.body = BufferList(Buffer::CopyOf(std::string_view("raw")));
    StatusOr<protocol::RemotingCommand> r = raw.Call(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->code, protocol::response_code::kTopicNotExist);
    EXPECT_EQ(r->remark.value_or(""),
              "topic[NoSuchTopic] not exist, apply first please! (auto_create_topic is off on "
              "broker broker-a)");
  }
  ASSERT_NO_FATAL_FAILURE(still_serving());

  // A body over max_message_size (64 KiB): 100 KiB.
  StatusOr<SendResult> big = producer.Send(Message("Good", "", "", std::string(100 * 1024, 'x')));
  ASSERT_FALSE(big.ok());
  std::cout << "too big: " << big.status().ToString() << "\n";
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "broker " + Address(b) +
                " answered MESSAGE_ILLEGAL (13): the message body size 102400 bytes is larger "
                "than the broker's max_message_size 65536 bytes");
  ASSERT_NO_FATAL_FAILURE(still_serving());

  // Malformed SEND_MESSAGE_V2 frames over a plain socket: answered with an error.
  RawConnection raw(Address(b));
  ASSERT_TRUE(raw.connected());
  auto send_v2 = [](std::map<std::string, std::string> fields) {
    protocol::RemotingCommand c =
        protocol::RemotingCommand::Request(protocol::request_code::kSendMessageV2);
    for (auto& [k, v] : fields) c.SetExt(k, v);
    c.body = BufferList(Buffer::CopyOf(std::string_view("raw")));
    return c;
  };
  std::map<std::string, std::string> valid{{"a", "PG-raw"}, {"b", "Good"}, {"c", "TBW102"},
                                           {"d", "4"},      {"e", "0"},    {"f", "0"},
                                           {"g", "0"},      {"h", "0"},    {"i", ""}};
  {
    std::map<std::string, std::string> missing_topic = valid;
    missing_topic.erase("b");
    StatusOr<protocol::RemotingCommand> r = raw.Call(send_v2(missing_topic));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->code, protocol::response_code::kSystemError);
    EXPECT_EQ(r->remark.value_or(""), "the custom field topic (b) is null");
  }
  {
    std::map<std::string, std::string> garbage_queue = valid;
    garbage_queue["e"] = "zero";
    StatusOr<protocol::RemotingCommand> r = raw.Call(send_v2(garbage_queue));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->code, protocol::response_code::kSystemError);
    EXPECT_EQ(r->remark.value_or(""), "the custom field queueId (e) is not an integer: \"zero\"");
  }
  {
    std::map<std::string, std::string> bad_queue = valid;
    bad_queue["e"] = "99";
    StatusOr<protocol::RemotingCommand> r = raw.Call(send_v2(bad_queue));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->code, protocol::response_code::kSystemError) << r->remark.value_or("");
  }
  {
    // The well-formed frame on the same connection is stored.
    StatusOr<protocol::RemotingCommand> r = raw.Call(send_v2(valid));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->code, protocol::response_code::kSuccess) << r->remark.value_or("");
    ++round;  // one more message in Good
  }
  ASSERT_NO_FATAL_FAILURE(still_serving());
}

TEST_F(IntegrationTest, CliProducesAndConsumesExactlyTheNumberedBodies) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Cli", 4, 1));

  const CommandResult produced =
      Quiver({"produce", "-n", NamesrvList(), "-t", "Cli", "--body", "hi", "--count", "3"});
  ASSERT_EQ(produced.status, 0) << produced.err;
  EXPECT_EQ(produced.out, "");

  const CommandResult consumed =
      Quiver({"consume", "-n", NamesrvList(), "-t", "Cli", "-g", "CG-cli", "--print", "--count",
              "3", "--from-beginning", "--timeout", "30"});
  EXPECT_EQ(consumed.status, 0) << consumed.err;
  std::multiset<std::string> lines;
  std::istringstream in(consumed.out);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  EXPECT_EQ(lines, (std::multiset<std::string>{"hi-0", "hi-1", "hi-2"})) << consumed.out;
  EXPECT_EQ(consumed.out.back(), '\n');

  // Fewer messages than asked before the timeout: exit status 1.
  const CommandResult short_count =
      Quiver({"consume", "-n", NamesrvList(), "-t", "Cli", "-g", "CG-cli-2", "--count", "5",
              "--timeout", "2", "--from-beginning"});
  EXPECT_EQ(short_count.status, 1) << short_count.err;
  EXPECT_THAT(short_count.err, HasSubstr("received 3 messages from Cli for group CG-cli-2"));
}

}  // namespace
}  // namespace quiver::integration
