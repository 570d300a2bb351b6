#include "kernel/roles/broker/processing/send_processor.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "kernel/roles/broker/processing/broker_test_harness.h"
#include "quiver/protocol/message_id.h"

namespace quiver::broker {
namespace {

namespace rc = protocol::response_code;
using fakes::Ext;
using fakes::Props;
using fakes::SendRequest;

class SendProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.StartBroker().ok()); }
  fakes::BrokerHarness h;
};

TEST_F(SendProcessorTest, SentMessageIsStoredWithHostsTagsAndPropertiesAndAcknowledged) {
  std::string props = Props({{"TAGS", "TagA"}, {"KEYS", "k1"}, {"UNIQ_KEY", "ABC"}, {"x", "y"}});
  auto response = h.Call(SendRequest("T", "hello", props, 2));
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  EXPECT_EQ(Ext(response, "queueId"), "2");
  EXPECT_EQ(Ext(response, "queueOffset"), "0");
  EXPECT_EQ(Ext(response, "transactionId"), "ABC");
  EXPECT_EQ(Ext(response, "MSG_REGION"), "DefaultRegion");
  EXPECT_EQ(Ext(response, "TRACE_ON"), "true");
  EXPECT_EQ(Ext(response, "msgId"), "7F00000100002A9F0000000000000000");

  auto record = h.store.ReadRecord(CommitLogOffset(0));
  ASSERT_TRUE(record.ok());
  auto decoded = protocol::DecodeRecord(record->span());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->topic, "T");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(decoded->body.data()), decoded->body.size()),
            "hello");
  EXPECT_EQ(protocol::FindProperty(decoded->properties, "TAGS"), "TagA");
  EXPECT_EQ(protocol::FindProperty(decoded->properties, "KEYS"), "k1");
  EXPECT_EQ(protocol::FindProperty(decoded->properties, "x"), "y");
  EXPECT_EQ(protocol::FindProperty(decoded->properties, "CLUSTER"), "DefaultCluster");
  EXPECT_EQ(protocol::FormatHostAddress(decoded->store_host), "127.0.0.1:10911");
  EXPECT_EQ(protocol::FormatHostAddress(decoded->born_host), "10.0.0.9:50000");
  EXPECT_EQ(decoded->born_timestamp_ms, 1700000000123);
}

TEST_F(SendProcessorTest, FirstSendAutoCreatesTopicAndPublishesIt) {
  ASSERT_EQ(h.Call(SendRequest("NewTopic", "b", "")).code, rc::kSuccess);
  auto topic = h.metadata->topics().Find("NewTopic");
  ASSERT_TRUE(topic.has_value());
  EXPECT_EQ(topic->write_queue_nums, 4);
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(h.published.back().topics.count("NewTopic"), 1u);
}

TEST(SendProcessorAutoCreateOffTest, UnknownTopicIsRejectedWithTopicNotExist) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  ASSERT_TRUE(h.StartBroker().ok());
  auto response = h.Call(SendRequest("Missing", "b", ""));
  EXPECT_EQ(response.code, rc::kTopicNotExist);
  EXPECT_EQ(response.remark.value_or(""),
            "topic[Missing] not exist, apply first please! (auto_create_topic is off on broker "
            "broker-a)");
  EXPECT_EQ(Ext(response, "MSG_REGION"), "DefaultRegion");
  EXPECT_FALSE(h.metadata->topics().Find("Missing").has_value());
  EXPECT_FALSE(h.metadata->topics().Find("TBW102").has_value());
}

TEST_F(SendProcessorTest, BodyOverMaxMessageSizeIsRejectedAsIllegal) {
  h.StopBroker();
  h.settings.max_message_size = 16;
  ASSERT_TRUE(h.StartBroker().ok());
  auto response = h.Call(SendRequest("T", std::string(17, 'x'), ""));
  EXPECT_EQ(response.code, rc::kMessageIllegal);
  EXPECT_EQ(response.remark.value_or(""),
            "the message body size 17 bytes is larger than the broker's max_message_size 16 "
            "bytes");
  EXPECT_EQ(h.Call(SendRequest("T", std::string(16, 'x'), "")).code, rc::kSuccess);
}

TEST_F(SendProcessorTest, MissingFieldIsRejectedNamingIt) {
  auto request = SendRequest("T", "b", "");
  request.ext_fields.erase("b");
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""), "the custom field topic (b) is null");
}

TEST_F(SendProcessorTest, MalformedNumberIsRejectedNamingIt) {
  auto request = SendRequest("T", "b", "");
  request.SetExt("e", std::string("zero"));
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""),
            "the custom field queueId (e) is not an integer: \"zero\"");

  auto v1 = protocol::RemotingCommand::Request(protocol::request_code::kSendMessage);
  v1.SetExt("producerGroup", std::string("PG"));
  v1.SetExt("topic", std::string("T"));
  v1.SetExt("queueId", std::string("0"));
  v1.SetExt("sysFlag", std::string("0"));
  v1.SetExt("bornTimestamp", std::string("1"));
  EXPECT_EQ(h.Call(v1).remark.value_or(""), "the custom field flag is null");
}

TEST_F(SendProcessorTest, QueueIdBeyondTheTopicsQueuesIsRejected) {
  auto response = h.Call(SendRequest("T", "b", "", 9));
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""),
            "request queueId[9] is illegal, topic T has 4 queues, producer 10.0.0.9:50000");
}

TEST_F(SendProcessorTest, IllegalTopicNameIsRejected) {
  auto response = h.Call(SendRequest("bad topic", "b", ""));
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""),
            "the topic[bad topic] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$");
}

TEST_F(SendProcessorTest, SlaveRefusalBecomesServiceNotAvailable) {
  h.replicator.role_ = ReplicaRole::kSlave;
  h.replicator.master_ = "10.0.0.1:10911";
  auto response = h.Call(SendRequest("T", "b", ""));
  EXPECT_EQ(response.code, rc::kServiceNotAvailable);
  EXPECT_EQ(response.remark.value_or(""),
            "service not available now: not master; the master is 10.0.0.1:10911");
}

TEST_F(SendProcessorTest, SlaveRefusesBeforeAutoCreatingATopic) {
  h.replicator.role_ = ReplicaRole::kSlave;
  auto response = h.Call(SendRequest("NewOnSlave", "b", ""));
  EXPECT_EQ(response.code, rc::kServiceNotAvailable);
  EXPECT_EQ(response.remark.value_or(""), "service not available now: not master");
  EXPECT_FALSE(h.metadata->topics().Find("NewOnSlave").has_value())
      << "a slave created a topic from a refused send";
}

TEST_F(SendProcessorTest, StoreFailureBecomesSystemErrorAndOutcomeMapsToCode) {
  h.store.FailNextAppend(DataLossError("write failed"));
  auto response = h.Call(SendRequest("T", "b", ""));
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""), "storing the message failed: DATA_LOSS: write failed");

  h.replicator.outcome_ = SendOutcome::kFlushSlaveTimeout;
  auto stored = h.Call(SendRequest("T", "b", ""));
  EXPECT_EQ(stored.code, rc::kFlushSlaveTimeout);
  EXPECT_NE(Ext(stored, "msgId"), "<absent>");
}

// Encodes one message of a SEND_BATCH_MESSAGE body (rocketmq-protocol.md §4.4).
std::string BatchEntry(const std::string& body, const std::string& properties) {
  std::string out;
  auto i32 = [&](std::int32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
  };
  i32(static_cast<std::int32_t>(20 + body.size() + 2 + properties.size()));
  i32(0);
  i32(0);
  i32(0);
  i32(static_cast<std::int32_t>(body.size()));
  out += body;
  out.push_back(static_cast<char>(properties.size() >> 8));
  out.push_back(static_cast<char>(properties.size() & 0xFF));
  out += properties;
  return out;
}

TEST_F(SendProcessorTest, BatchIsStoredAsConsecutiveMessagesWithJoinedIds) {
  auto request = SendRequest("T", "", "", 1);
  request.code = protocol::request_code::kSendBatchMessage;
  request.body = BufferList(Buffer::FromString(BatchEntry("one", Props({{"TAGS", "A"}})) +
                                               BatchEntry("two", Props({{"KEYS", "k2"}}))));
  auto response = h.Call(request);
  ASSERT_EQ(response.code, rc::kSuccess) << response.remark.value_or("");
  std::string ids = Ext(response, "msgId");
  ASSERT_NE(ids.find(','), std::string::npos);
  EXPECT_EQ(ids.substr(0, ids.find(',')), "7F00000100002A9F0000000000000000");
  EXPECT_EQ(Ext(response, "queueOffset"), "0");
  EXPECT_EQ(h.store.MaxOffset("T", QueueId(1)), QueueOffset(2));

  auto second = protocol::DecodeOffsetMessageId(ids.substr(ids.find(',') + 1));
  ASSERT_TRUE(second.ok());
  auto record = h.store.ReadRecord(second->physical_offset);
  ASSERT_TRUE(record.ok());
  auto decoded = protocol::DecodeRecord(record->span());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->queue_offset, QueueOffset(1));
  EXPECT_EQ(protocol::FindProperty(decoded->properties, "KEYS"), "k2");
}

TEST_F(SendProcessorTest, BatchWithDelayLevelIsRejectedAsRocketMQDoes) {
  auto request = SendRequest("T", "", "");
  request.code = protocol::request_code::kSendBatchMessage;
  request.body = BufferList(Buffer::FromString(BatchEntry("one", "") +
                                               BatchEntry("two", Props({{"DELAY", "2"}}))));
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kMessageIllegal);
  EXPECT_NE(response.remark.value_or("").find("not supported for batch messages"),
            std::string::npos);
  EXPECT_EQ(h.store.MaxOffset("T", QueueId(0)).value(), 0);
}

TEST_F(SendProcessorTest, TruncatedBatchBodyIsRejectedWithReason) {
  auto request = SendRequest("T", "", "", 1);
  request.code = protocol::request_code::kSendBatchMessage;
  std::string entry = BatchEntry("one", "");
  request.body = BufferList(Buffer::FromString(entry.substr(0, entry.size() - 1)));
  auto response = h.Call(request);
  EXPECT_EQ(response.code, rc::kSystemError);
  EXPECT_EQ(response.remark.value_or(""),
            "malformed batch body: batch message 0 at byte 0: totalSize 25 does not fit the body");
}

// The processor called directly on the test's thread (no transport in between), so that
// the thread and moment of the response are visible.
class StubConnection final : public Connection {
 public:
  std::uint64_t Id() const override { return 1; }
  std::string RemoteAddress() const override { return "10.0.0.9:50000"; }
  bool IsOpen() const override { return true; }
  void InvokeAsync(RemotingCommand, Duration, ResponseCallback done) override {
    done(UnavailableError("stub connection"));
  }
  void InvokeOneway(RemotingCommand) override {}
  void Close() override {}
};

class SendProcessorDirectTest : public ::testing::Test {
 protected:
  struct Answer {
    protocol::RemotingCommand response;
    std::thread::id thread;
  };
  // Handles `request`; the answers sent by the time Handle returned.
  std::vector<Answer> Handle(protocol::RemotingCommand request) {
    auto answers = std::make_shared<std::vector<Answer>>();
    processor.Handle(connection, std::move(request),
                     Responder([answers](protocol::RemotingCommand response) {
                       answers->push_back({std::move(response), std::this_thread::get_id()});
                     }));
    return *answers;
  }

  testing::ManualClock clock;
  testing::ManualExecutor executor;
  fakes::FakeMessageStore store{clock};  // completes every append inline
  fakes::FakeReplicator replicator{store};
  BrokerSettings settings = [] {
    BrokerSettings s;
    s.cluster = "DefaultCluster";
    s.name = "broker-a";
    s.default_queues = 4;
    return s;
  }();
  BrokerMetadataTables metadata{settings, clock};
  ClientManager clients{clock, nullptr};
  BrokerStats stats;
  TaskTracker tasks;
  ProcessingContext context{settings, HostAddress{{127, 0, 0, 1}, 10911},
                            store,    replicator,
                            metadata, clients,
                            stats,    tasks,
                            clock,    executor,
                            nullptr,  [] { return Status::Ok(); }};
  SendProcessor processor{context};
  ConnectionPtr connection = std::make_shared<StubConnection>();
};

// storage.h / replication.h: a store may complete an append inline (async flush). The
// processor then answers on the calling (I/O) thread before Handle returns, once, with the
// offsets of that append.
TEST_F(SendProcessorDirectTest, InlineStoreCompletionIsAnsweredBeforeHandleReturns) {
  for (std::int64_t i = 0; i < 3; ++i) {
    std::vector<Answer> answers = Handle(SendRequest("T", "m" + std::to_string(i), "", 1));
    ASSERT_EQ(answers.size(), 1u) << "send " << i;
    EXPECT_EQ(answers[0].thread, std::this_thread::get_id());
    EXPECT_EQ(answers[0].response.code, rc::kSuccess) << answers[0].response.remark.value_or("");
    EXPECT_EQ(Ext(answers[0].response, "queueOffset"), std::to_string(i));
    EXPECT_EQ(Ext(answers[0].response, "queueId"), "1");
  }
  EXPECT_EQ(store.MaxOffset("T", QueueId(1)).value(), 3);
  EXPECT_EQ(executor.RunPending(), 0u) << "nothing was left for another thread";
}

TEST_F(SendProcessorDirectTest, InlineStoreFailureIsAnsweredOnceBeforeHandleReturns) {
  store.FailNextAppend(ResourceExhaustedError("disk full"));
  std::vector<Answer> answers = Handle(SendRequest("T", "m", "", 0));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].response.code, rc::kServiceNotAvailable);
  EXPECT_EQ(answers[0].thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace quiver::broker
