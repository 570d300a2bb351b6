#pragma once
// Test support for the broker processors (tests only): an in-memory MessageStore that
// stores real commit-log records (protocol::EncodeRecord) and follows RocketMQ's read
// status rules, a pass-through Replicator with a settable role and outcome, and a harness
// wiring BrokerProcessing to quiver::testing's FakeNetwork, ManualClock and ManualExecutor.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_processing.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_record.h"
#include "quiver/testing/fake_transport.h"
#include "quiver/testing/manual_clock.h"
#include "quiver/testing/manual_executor.h"

namespace quiver::broker::fakes {

class FakeMessageStore final : public MessageStore {
 public:
  explicit FakeMessageStore(Clock& clock) : clock_(clock) {}

  Status Open() override { return Status::Ok(); }
  void Close() override {}
  void SetDispatchListener(DispatchListener listener) override {
    std::lock_guard<std::mutex> lock(mutex_);
    listener_ = std::move(listener);
  }

  // Completes inline (as an async-flush store may, storage.h), outside its lock.
  void Append(MessageBatch batch, AppendCallback done) override {
    AppendOutcome outcome;
    DispatchListener listener;
    std::string topic;
    QueueId queue{0};
    QueueOffset max{0};
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!fail_next_.ok()) {
        Status s = std::exchange(fail_next_, Status::Ok());
        lock.unlock();
        return done(s);
      }
      for (const Message& m : batch.messages) {
        auto size = protocol::EncodedRecordSize(m);
        if (!size.ok()) {
          lock.unlock();
          return done(size.status());
        }
      }
      for (const Message& m : batch.messages) {
        std::size_t size = *protocol::EncodedRecordSize(m);
        std::vector<std::uint8_t> bytes(size);
        auto& index = queues_[{m.topic, m.queue_id.value()}];
        CommitLogOffset phys(next_physical_);
        QueueOffset queue_offset(static_cast<std::int64_t>(index.size()));
        std::int64_t now = clock_.WallMillis();
        protocol::EncodeRecord(m, phys, queue_offset, now, bytes.data());
        records_[phys.value()] = Buffer::FromVector(std::move(bytes));
        index.push_back(Entry{phys, static_cast<std::int32_t>(size), m.tags_code, now});
        next_physical_ += static_cast<std::int64_t>(size);
        outcome.results.push_back(
            AppendResult{phys, queue_offset, static_cast<std::int32_t>(size), now});
        topic = m.topic;
        queue = m.queue_id;
        max = QueueOffset(static_cast<std::int64_t>(index.size()));
      }
      listener = listener_;
    }
    done(std::move(outcome));
    if (listener && !topic.empty()) listener(topic, queue, max);
  }

  StatusOr<ReadResult> Read(const ReadRequest& request) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    ReadResult result;
    auto it = queues_.find({request.topic, request.queue_id.value()});
    std::int64_t max = it == queues_.end() ? 0 : static_cast<std::int64_t>(it->second.size());
    std::int64_t offset = request.offset.value();
    result.min_offset = QueueOffset(0);
    result.max_offset = QueueOffset(max);
    result.max_physical_offset = CommitLogOffset(next_physical_);
    if (max == 0) {
      result.status = ReadStatus::kNoMessageInQueue;
      result.next_offset = QueueOffset(0);
    } else if (offset == max) {
      result.status = ReadStatus::kOffsetOverflowOne;
      result.next_offset = QueueOffset(offset);
    } else if (offset > max) {
      result.status = ReadStatus::kOffsetOverflowBadly;
      result.next_offset = QueueOffset(0);
    } else {
      std::int64_t i = offset;
      std::int64_t bytes = 0;
      for (; i < max && static_cast<std::int32_t>(result.records.size()) < request.max_messages;
           ++i) {
        const Entry& e = it->second[static_cast<std::size_t>(i)];
        bool match = request.tag_codes.empty();
        for (std::int64_t code : request.tag_codes) match = match || code == e.tags_code;
        if (!match) continue;
        const Buffer& record = records_.at(e.physical.value());
        // As the commit log: the first record always, then up to max_bytes.
        if (!result.records.empty() &&
            bytes + static_cast<std::int64_t>(record.size()) > request.max_bytes) {
          break;
        }
        bytes += static_cast<std::int64_t>(record.size());
        result.records.push_back(record);
        result.last_physical_offset = e.physical;
      }
      result.next_offset = QueueOffset(i);
      result.status = result.records.empty() ? ReadStatus::kNoMatchedMessage : ReadStatus::kFound;
    }
    return result;
  }
  QueueOffset MinOffset(const std::string&, QueueId) const override { return QueueOffset(0); }
  QueueOffset MaxOffset(const std::string& topic, QueueId queue_id) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = queues_.find({topic, queue_id.value()});
    return QueueOffset(it == queues_.end() ? 0 : static_cast<std::int64_t>(it->second.size()));
  }
  QueueOffset OffsetByTimestamp(const std::string& topic, QueueId queue_id,
                                std::int64_t timestamp_ms) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = queues_.find({topic, queue_id.value()});
    if (it == queues_.end()) return QueueOffset(0);
    for (std::size_t i = 0; i < it->second.size(); ++i) {
      if (it->second[i].store_timestamp >= timestamp_ms) {
        return QueueOffset(static_cast<std::int64_t>(i));
      }
    }
    return QueueOffset(static_cast<std::int64_t>(it->second.size()));
  }
  StatusOr<std::int64_t> StoreTimestamp(const std::string& topic, QueueId queue_id,
                                        QueueOffset offset) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = queues_.find({topic, queue_id.value()});
    if (it == queues_.end() || offset.value() < 0 ||
        offset.value() >= static_cast<std::int64_t>(it->second.size())) {
      return NotFoundError("no message at offset " + std::to_string(offset.value()));
    }
    return it->second[static_cast<std::size_t>(offset.value())].store_timestamp;
  }
  StatusOr<Buffer> ReadRecord(CommitLogOffset offset) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = records_.find(offset.value());
    if (it == records_.end())
      return NotFoundError("no record at " + std::to_string(offset.value()));
    return it->second;
  }
  StatusOr<BufferList> ReadRaw(CommitLogOffset, std::int64_t) const override {
    return UnimplementedError("FakeMessageStore has no raw commit log");
  }
  void AppendRaw(CommitLogOffset, BufferList, std::function<void(Status)> done) override {
    done(UnimplementedError("FakeMessageStore has no raw commit log"));
  }
  Status Truncate(CommitLogOffset) override {
    return UnimplementedError("FakeMessageStore has no raw commit log");
  }
  void Flush(std::function<void(Status)> done) override { done(Status::Ok()); }
  StoreStats Stats() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    StoreStats stats;
    stats.max_physical_offset = CommitLogOffset(next_physical_);
    stats.flushed_physical_offset = CommitLogOffset(next_physical_);
    stats.topic_queue_count = static_cast<std::int64_t>(queues_.size());
    return stats;
  }

  void FailNextAppend(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_next_ = std::move(status);
  }

 private:
  struct Entry {
    CommitLogOffset physical;
    std::int32_t size;
    std::int64_t tags_code;
    std::int64_t store_timestamp;
  };
  Clock& clock_;
  mutable std::mutex mutex_;
  DispatchListener listener_;
  std::map<std::pair<std::string, std::int32_t>, std::vector<Entry>> queues_;
  std::map<std::int64_t, Buffer> records_;
  std::int64_t next_physical_ = 0;
  Status fail_next_;
};

class FakeReplicator final : public Replicator {
 public:
  explicit FakeReplicator(MessageStore& store) : store_(store) {}
  Status Start() override { return Status::Ok(); }
  void Stop() override {}
  void Append(MessageBatch batch, ReplicatedAppendCallback done) override {
    if (role_ != ReplicaRole::kMaster) {
      done(FailedPreconditionError("not master; the master is " + master_));
      return;
    }
    SendOutcome outcome = outcome_;
    store_.Append(std::move(batch), [done = std::move(done), outcome](StatusOr<AppendOutcome> r) {
      if (!r.ok()) return done(r.status());
      done(ReplicatedAppend{std::move(r->results), outcome});
    });
  }
  ReplicaRole Role() const override { return role_; }
  std::string MasterAddress() const override { return master_; }
  CommitLogOffset ReadableLimit() const override { return store_.Stats().max_physical_offset; }
  void SetRoleListener(std::function<void(const RoleChange&)>) override {}
  std::vector<ReplicaStatus> Replicas() const override { return {}; }
  std::int64_t SuggestReadBroker(CommitLogOffset last_read, CommitLogOffset max) const override {
    last_read_ = last_read;
    max_read_ = max;
    return suggest_;
  }
  bool ServesReads() const override { return serves_reads_; }

  ReplicaRole role_ = ReplicaRole::kMaster;
  std::int64_t suggest_ = 0;
  bool serves_reads_ = true;
  mutable CommitLogOffset last_read_{-1};  // the arguments of the last SuggestReadBroker
  mutable CommitLogOffset max_read_{-1};
  std::string master_;
  SendOutcome outcome_ = SendOutcome::kOk;

 private:
  MessageStore& store_;
};

inline constexpr char kBrokerAddress[] = "127.0.0.1:10911";

// One broker over fakes, with a store_dir of its own, and clients talking to it.
class BrokerHarness {
 public:
  BrokerHarness() {
    char pattern[] = "/tmp/quiver-broker-test-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    QUIVER_CHECK(made != nullptr);
    dir_ = made;
    settings.cluster = "DefaultCluster";
    settings.name = "broker-a";
    settings.advertise = kBrokerAddress;
    settings.store_dir = dir_;
    settings.default_queues = 4;
  }
  ~BrokerHarness() {
    StopBroker();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Status StartBroker() {
    metadata = std::make_unique<BrokerMetadataTables>(settings, clock);
    server = network.CreateServer();
    broker = std::make_unique<BrokerProcessing>(
        settings,
        BrokerProcessing::Deps{*server, store, replicator, *metadata, clock, executor, nullptr,
                               [this](const BrokerRegistration& r) { published.push_back(r); }});
    QUIVER_RETURN_IF_ERROR(broker->Start());
    return server->Start(kBrokerAddress);
  }
  // Stops and destroys the broker as the assembly would (transport first).
  void StopBroker() {
    if (!broker) return;
    server->Stop();
    broker->Stop();
    RunAll();
    broker.reset();
    server.reset();
    metadata.reset();
  }

  // Runs the network and the executor until both are idle.
  void RunAll() {
    while (network.RunUntilIdle() + executor.RunPending() > 0) {
    }
  }

  testing::FakeTransportClient& Client(const std::string& address = "10.0.0.9:50000") {
    auto& slot = clients_[address];
    if (!slot) slot = network.CreateClient(address);
    return *slot;
  }

  // Sends `request` and runs everything; the response, or nullopt when none came yet.
  std::optional<StatusOr<protocol::RemotingCommand>> Send(
      protocol::RemotingCommand request, const std::string& from = "10.0.0.9:50000") {
    auto result = std::make_shared<std::optional<StatusOr<protocol::RemotingCommand>>>();
    Client(from).InvokeAsync(
        kBrokerAddress, std::move(request), std::chrono::seconds(60),
        [result](StatusOr<protocol::RemotingCommand> r) { *result = std::move(r); });
    RunAll();
    return *result;
  }
  // As Send, asserting a response arrived.
  protocol::RemotingCommand Call(protocol::RemotingCommand request,
                                 const std::string& from = "10.0.0.9:50000") {
    auto response = Send(std::move(request), from);
    if (!response || !response->ok()) {
      ADD_FAILURE() << "no response: "
                    << (response ? response->status().ToString() : std::string("none yet"));
      return protocol::RemotingCommand::Request(-1);
    }
    return std::move(**response);
  }

  const std::filesystem::path& dir() const { return dir_; }

  testing::ManualClock clock;
  testing::ManualExecutor executor;
  testing::FakeNetwork network{clock};
  FakeMessageStore store{clock};
  FakeReplicator replicator{store};
  BrokerSettings settings;
  std::unique_ptr<testing::FakeTransportServer> server;
  std::unique_ptr<BrokerMetadataTables> metadata;
  std::unique_ptr<BrokerProcessing> broker;
  std::vector<BrokerRegistration> published;

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<testing::FakeTransportClient>> clients_;
};

// Request builders.
inline protocol::RemotingCommand SendRequest(const std::string& topic, const std::string& body,
                                             const std::string& properties,
                                             std::int32_t queue_id = 0) {
  auto request = protocol::RemotingCommand::Request(protocol::request_code::kSendMessageV2);
  request.SetExt("a", std::string("PG"));
  request.SetExt("b", topic);
  request.SetExt("c", std::string("TBW102"));
  request.SetExt("d", std::int64_t{4});
  request.SetExt("e", std::int64_t{queue_id});
  request.SetExt("f", std::int64_t{0});
  request.SetExt("g", std::int64_t{1700000000123});
  request.SetExt("h", std::int64_t{0});
  request.SetExt("i", properties);
  request.SetExt("j", std::int64_t{0});
  request.SetExt("k", std::string("false"));
  request.body.Append(Buffer::CopyOf(body));
  return request;
}

inline protocol::RemotingCommand PullRequest(const std::string& group, const std::string& topic,
                                             std::int32_t queue_id, std::int64_t offset,
                                             std::int32_t sys_flag,
                                             const std::string& subscription = "*",
                                             std::int64_t suspend_ms = 15000,
                                             std::int64_t commit_offset = -1) {
  auto request = protocol::RemotingCommand::Request(protocol::request_code::kPullMessage);
  request.SetExt("consumerGroup", group);
  request.SetExt("topic", topic);
  request.SetExt("queueId", std::int64_t{queue_id});
  request.SetExt("queueOffset", offset);
  request.SetExt("maxMsgNums", std::int64_t{32});
  request.SetExt("sysFlag", std::int64_t{sys_flag});
  request.SetExt("commitOffset", commit_offset);
  request.SetExt("suspendTimeoutMillis", suspend_ms);
  request.SetExt("subscription", subscription);
  request.SetExt("subVersion", std::int64_t{1});
  return request;
}

inline protocol::RemotingCommand HeartbeatRequest(const std::string& client_id,
                                                  const std::string& group,
                                                  const std::string& topic,
                                                  const std::string& expression = "*") {
  protocol::HeartbeatData data;
  data.client_id = client_id;
  protocol::ConsumerData consumer;
  consumer.group_name = group;
  consumer.subscription_data_set = {protocol::BuildTagSubscription(topic, expression, 1)};
  data.consumer_data_set = {consumer};
  auto request = protocol::RemotingCommand::Request(protocol::request_code::kHeartBeat);
  request.body.Append(Buffer::FromString(protocol::EncodeHeartbeatData(data)));
  return request;
}

inline std::string Props(std::initializer_list<protocol::Property> properties) {
  auto encoded = protocol::EncodeProperties(properties);
  QUIVER_CHECK(encoded.ok());
  return *encoded;
}

inline std::string Ext(const protocol::RemotingCommand& command, std::string_view key) {
  const std::string* value = command.FindExt(key);
  return value ? *value : "<absent>";
}

}  // namespace quiver::broker::fakes
