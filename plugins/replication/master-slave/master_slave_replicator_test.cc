#include "master_slave_replicator.h"

#include <array>
#include <thread>

#include "ha_protocol.h"
#include "ha_socket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "quiver/testing/manual_clock.h"
#include "quiver/testing/manual_executor.h"
#include "quiver/testing/map_config_view.h"

namespace quiver::replication::master_slave {
namespace {

using quiver::testing::ManualClock;
using quiver::testing::ManualExecutor;
using ::testing::HasSubstr;

// A store that records appends and completes them when the test says so, or inline (as an
// async-flush store does) when `complete_inline` is set. Its "commit log" is a byte vector
// (each message 100 bytes) that ReadRaw/AppendRaw serve, so that the HA channel can run
// against it on loopback.
class RecordingStore final : public MessageStore {
 public:
  std::vector<MessageBatch> appended;
  std::deque<AppendCallback> pending;
  std::optional<FlushOutcome> complete_inline;

  Status Open() override { return Status(); }
  void Close() override {}
  void SetDispatchListener(DispatchListener) override {}
  void Append(MessageBatch batch, AppendCallback done) override {
    appended.push_back(batch);
    if (complete_inline) return done(Stored(*complete_inline));
    pending.push_back(std::move(done));
  }
  void CompleteNext(StatusOr<AppendOutcome> outcome) {
    AppendCallback done = std::move(pending.front());
    pending.pop_front();
    done(std::move(outcome));
  }
  AppendOutcome Stored(FlushOutcome flush) {
    std::lock_guard lock(mu_);
    AppendOutcome out;
    const auto at = static_cast<std::int64_t>(log_.size());
    out.results.push_back(AppendResult{CommitLogOffset(at), QueueOffset(0), 100, 1});
    out.flush = flush;
    log_.resize(log_.size() + 100, static_cast<std::uint8_t>(at / 100));
    return out;
  }
  std::vector<std::uint8_t> Bytes() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  StatusOr<ReadResult> Read(const ReadRequest&) const override { return ReadResult(); }
  QueueOffset MinOffset(const std::string&, QueueId) const override { return QueueOffset(0); }
  QueueOffset MaxOffset(const std::string&, QueueId) const override { return QueueOffset(0); }
  QueueOffset OffsetByTimestamp(const std::string&, QueueId, std::int64_t) const override {
    return QueueOffset(0);
  }
  StatusOr<std::int64_t> StoreTimestamp(const std::string&, QueueId, QueueOffset) const override {
    return NotFoundError("none");
  }
  StatusOr<Buffer> ReadRecord(CommitLogOffset) const override { return NotFoundError("none"); }
  StatusOr<BufferList> ReadRaw(CommitLogOffset from, std::int64_t max_bytes) const override {
    std::lock_guard lock(mu_);
    const auto size = static_cast<std::int64_t>(log_.size());
    if (from.value() > size) return OutOfRangeError("beyond the end");
    const std::int64_t n = std::min(max_bytes, size - from.value());
    if (n == 0) return BufferList();
    return BufferList(Buffer::CopyOf(
        std::span<const std::uint8_t>(log_.data() + from.value(), static_cast<std::size_t>(n))));
  }
  void AppendRaw(CommitLogOffset at, BufferList bytes, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(mu_);
      if (at.value() != static_cast<std::int64_t>(log_.size())) {
        done(FailedPreconditionError("not at the end"));
        return;
      }
      auto flat = bytes.Flatten();
      log_.insert(log_.end(), flat.begin(), flat.end());
    }
    done(Status());
  }
  Status Truncate(CommitLogOffset) override { return Status(); }
  void Flush(std::function<void(Status)> done) override { done(Status()); }
  StoreStats Stats() const override {
    std::lock_guard lock(mu_);
    StoreStats s;
    s.max_physical_offset = CommitLogOffset(static_cast<std::int64_t>(log_.size()));
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::uint8_t> log_;
};

struct Fixture {
  RecordingStore store;
  BrokerIdentity broker;
  ManualClock clock;
  ManualExecutor executor;
  PluginContext context;

  explicit Fixture(std::int64_t broker_id = 0) {
    broker.broker_name = "broker-a";
    broker.broker_id = BrokerId(broker_id);
    broker.address = "127.0.0.1:10911";
    context.store = &store;
    context.broker = &broker;
    context.clock = &clock;
    context.executor = &executor;
  }
  StatusOr<MasterSlaveConfig> Parse(std::map<std::string, std::string> values) {
    values.try_emplace("ha_listen", "127.0.0.1:0");  // never a fixed port in unit tests
    testing::MapConfigView view("replication.master-slave", std::move(values));
    return MasterSlaveConfig::Parse(view, broker);
  }
};

MessageBatch OneMessage() {
  MessageBatch batch;
  batch.messages.emplace_back();
  batch.messages.back().topic = "T";
  return batch;
}

TEST(MasterSlaveConfigTest, DefaultsToAsyncMasterAndReadsEveryKey) {
  Fixture f;
  testing::MapConfigView view("replication.master-slave", {{"role", "async-master"},
                                                           {"ha_listen", "127.0.0.1:10912"},
                                                           {"slave_read", "true"},
                                                           {"slave_read_ratio", "30"},
                                                           {"sync_timeout", "2s"}});
  StatusOr<MasterSlaveConfig> config = MasterSlaveConfig::Parse(view, f.broker);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->role, BrokerRole::kAsyncMaster);
  EXPECT_TRUE(config->slave_read);
  EXPECT_EQ(config->slave_read_ratio, 30);
  EXPECT_THAT(view.UnreadKeys(), ::testing::IsEmpty());
}

TEST(MasterSlaveConfigTest, RejectsAnUnknownRoleListingTheValidOnes) {
  Fixture f;
  StatusOr<MasterSlaveConfig> config = f.Parse({{"role", "leader"}});
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              HasSubstr("\"async-master\" | \"sync-master\" | \"slave\", found \"leader\""));
}

TEST(MasterSlaveConfigTest, RoleMustAgreeWithBrokerId) {
  Fixture master(0);
  EXPECT_THAT(
      master.Parse({{"role", "slave"}, {"master_ha", "127.0.0.1:10912"}}).status().message(),
      HasSubstr("needs [broker] id > 0"));
  Fixture slave(1);
  EXPECT_THAT(slave.Parse({{"role", "sync-master"}}).status().message(),
              HasSubstr("needs [broker] id = 0, found id 1"));
}

TEST(MasterSlaveConfigTest, SlaveNeedsTheMasterHaAddress) {
  Fixture slave(1);
  StatusOr<MasterSlaveConfig> config = slave.Parse({{"role", "slave"}});
  EXPECT_THAT(config.status().message(), HasSubstr("master_ha: missing required key"));
}

TEST(MasterSlaveReplicatorTest, AsyncMasterAcknowledgesAfterTheLocalAppend) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value()) << "acknowledged before the store completed";
  ASSERT_EQ(f.store.appended.size(), 1u);
  f.store.CompleteNext(f.store.Stored(FlushOutcome::kFlushed));
  ASSERT_TRUE(result.has_value() && result->ok());
  EXPECT_EQ((*result)->outcome, SendOutcome::kOk);
  EXPECT_EQ((*result)->results.size(), 1u);
}

// replication.h: when the store completes inline and no replica is waited for, so does the
// replicator (on the caller's thread, before Append returns).
TEST(MasterSlaveReplicatorTest, AsyncMasterCompletesInlineWhenTheStoreDoes) {
  Fixture f;
  f.store.complete_inline = FlushOutcome::kFlushed;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  std::thread::id ran_on;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) {
    ran_on = std::this_thread::get_id();
    result = std::move(r);
  });
  ASSERT_TRUE(result.has_value()) << "not completed when Append returned";
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->outcome, SendOutcome::kOk);
  EXPECT_EQ((*result)->results.size(), 1u);
}

TEST(MasterSlaveReplicatorTest, SyncMasterWithoutSlaveAnswersInlineWhenTheStoreDoes) {
  Fixture f;
  f.store.complete_inline = FlushOutcome::kFlushed;
  MasterSlaveReplicator replicator(*f.Parse({{"role", "sync-master"}}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value() && result->ok());
  EXPECT_EQ((*result)->outcome, SendOutcome::kSlaveNotAvailable);
  EXPECT_EQ(replicator.PendingCount(), 0u);
}

TEST(MasterSlaveReplicatorTest, FlushTimeoutIsReportedNotHidden) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  f.store.CompleteNext(f.store.Stored(FlushOutcome::kFlushTimeout));
  EXPECT_EQ((*result)->outcome, SendOutcome::kFlushDiskTimeout);
}

TEST(MasterSlaveReplicatorTest, SyncMasterWithoutSlaveAnswersSlaveNotAvailable) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({{"role", "sync-master"}}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  f.store.CompleteNext(f.store.Stored(FlushOutcome::kFlushed));
  EXPECT_EQ((*result)->outcome, SendOutcome::kSlaveNotAvailable);
}

TEST(MasterSlaveReplicatorTest, StoreErrorsReachTheProducer) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  ASSERT_TRUE(replicator.Start().ok());
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  f.store.CompleteNext(ResourceExhaustedError("disk full"));
  EXPECT_EQ(result->status(), ResourceExhaustedError("disk full"));
}

TEST(MasterSlaveReplicatorTest, RefusesAppendsWhenStopped) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  std::optional<StatusOr<ReplicatedAppend>> result;
  replicator.Append(OneMessage(), [&](StatusOr<ReplicatedAppend> r) { result = std::move(r); });
  EXPECT_EQ(result->status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(f.store.appended.empty());
}

TEST(MasterSlaveReplicatorTest, ReportsItsRoleOnStart) {
  Fixture f;
  MasterSlaveReplicator replicator(*f.Parse({}), f.context);
  std::optional<RoleChange> change;
  replicator.SetRoleListener([&](const RoleChange& c) { change = c; });
  ASSERT_TRUE(replicator.Start().ok());
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->role, ReplicaRole::kMaster);
  EXPECT_EQ(change->broker_id, kMasterBrokerId);
  EXPECT_EQ(change->master_address, "127.0.0.1:10911");
}

// Waits (bounded) for `condition`; the HA channel runs on its own threads.
bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct Result {
  std::mutex mu;
  std::optional<StatusOr<ReplicatedAppend>> value;
  ReplicatedAppendCallback Callback() {
    return [this](StatusOr<ReplicatedAppend> r) {
      std::lock_guard lock(mu);
      value = std::move(r);
    };
  }
  bool Has() {
    std::lock_guard lock(mu);
    return value.has_value();
  }
};

TEST(MasterSlaveReplicatorTest, SlaveCopiesTheCommitLogAndResumesAfterRestart) {
  Fixture master;
  MasterSlaveReplicator primary(*master.Parse({}), master.context);
  ASSERT_TRUE(primary.Start().ok());
  for (int i = 0; i < 3; ++i) {
    Result r;
    primary.Append(OneMessage(), r.Callback());
    master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  }
  Fixture slave(1);
  {
    MasterSlaveReplicator replica(
        *slave.Parse({{"role", "slave"}, {"master_ha", primary.HaAddress()}}), slave.context);
    ASSERT_TRUE(replica.Start().ok());
    EXPECT_EQ(replica.Role(), ReplicaRole::kSlave);
    ASSERT_TRUE(WaitFor([&] { return slave.store.Bytes().size() == 300; }));
    Result refused;
    replica.Append(OneMessage(), refused.Callback());
    ASSERT_TRUE(refused.Has());
    EXPECT_EQ(refused.value->status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(refused.value->status().message(), HasSubstr("not master"));
    ASSERT_TRUE(WaitFor([&] { return primary.Replicas().size() == 1; }));
    replica.Stop();
  }
  // Appends while the slave is down; the restarted slave continues from its own offset.
  for (int i = 0; i < 2; ++i) {
    Result r;
    primary.Append(OneMessage(), r.Callback());
    master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  }
  MasterSlaveReplicator replica(
      *slave.Parse({{"role", "slave"}, {"master_ha", primary.HaAddress()}}), slave.context);
  ASSERT_TRUE(replica.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return slave.store.Bytes().size() == 500; }));
  EXPECT_EQ(slave.store.Bytes(), master.store.Bytes());
  ASSERT_TRUE(WaitFor([&] {
    auto replicas = primary.Replicas();
    return replicas.size() == 1 && replicas[0].acked_offset.value() == 500 &&
           replicas[0].lag_bytes == 0;
  }));
}

TEST(MasterSlaveReplicatorTest, SyncMasterAcknowledgesOnlyOnceTheSlaveHasTheBatch) {
  Fixture master;
  MasterSlaveReplicator primary(*master.Parse({{"role", "sync-master"}}), master.context);
  ASSERT_TRUE(primary.Start().ok());
  // A hand-made slave: reports 0, then acknowledges only when the test says so.
  auto slave = Socket::Connect(primary.HaAddress(), std::chrono::milliseconds(2000));
  ASSERT_TRUE(slave.ok()) << slave.status();
  ASSERT_TRUE(slave->Write({EncodeReport(0)}, std::chrono::milliseconds(1000)).ok());
  ASSERT_TRUE(WaitFor([&] { return primary.Replicas().size() == 1; }));

  Result r;
  primary.Append(OneMessage(), r.Callback());
  master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  EXPECT_FALSE(r.Has()) << "acknowledged before the slave had the batch";
  EXPECT_EQ(primary.PendingCount(), 1u);
  ASSERT_TRUE(slave->Write({EncodeReport(99)}, std::chrono::milliseconds(1000)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(r.Has()) << "an ack short of the batch's end completed it";
  ASSERT_TRUE(slave->Write({EncodeReport(100)}, std::chrono::milliseconds(1000)).ok());
  ASSERT_TRUE(WaitFor([&] { return r.Has(); }));
  ASSERT_TRUE(r.value->ok());
  EXPECT_EQ((*r.value)->outcome, SendOutcome::kOk);

  // No ack within sync_timeout: FLUSH_SLAVE_TIMEOUT (stored, not replicated).
  Result late;
  primary.Append(OneMessage(), late.Callback());
  master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  master.clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(late.Has());
  master.clock.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(late.Has());
  EXPECT_EQ((*late.value)->outcome, SendOutcome::kFlushSlaveTimeout);

  // The slave goes away while an append waits: SLAVE_NOT_AVAILABLE without the timeout.
  Result orphan;
  primary.Append(OneMessage(), orphan.Callback());
  master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  slave->Shutdown();
  ASSERT_TRUE(WaitFor([&] { return orphan.Has(); }));
  EXPECT_EQ((*orphan.value)->outcome, SendOutcome::kSlaveNotAvailable);
}

TEST(MasterSlaveReplicatorTest, SyncMasterWithARealSlaveAcknowledgesWithinTheTimeout) {
  Fixture master;
  MasterSlaveReplicator primary(*master.Parse({{"role", "sync-master"}}), master.context);
  ASSERT_TRUE(primary.Start().ok());
  Fixture slave(1);
  MasterSlaveReplicator replica(
      *slave.Parse({{"role", "slave"}, {"master_ha", primary.HaAddress()}}), slave.context);
  ASSERT_TRUE(replica.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return primary.Replicas().size() == 1; }));
  std::vector<std::unique_ptr<Result>> results;
  for (int i = 0; i < 20; ++i) {
    results.push_back(std::make_unique<Result>());
    primary.Append(OneMessage(), results.back()->Callback());
    master.store.CompleteNext(master.store.Stored(FlushOutcome::kFlushed));
  }
  for (auto& r : results) {
    ASSERT_TRUE(WaitFor([&] { return r->Has(); }));
    EXPECT_EQ((*r->value)->outcome, SendOutcome::kOk);
  }
  EXPECT_EQ(slave.store.Bytes(), master.store.Bytes());
}

TEST(MasterSlaveReplicatorTest, MasterDropsASlaveReportingAnOffsetItNeverHad) {
  Fixture master;
  MasterSlaveReplicator primary(*master.Parse({}), master.context);
  ASSERT_TRUE(primary.Start().ok());
  auto slave = Socket::Connect(primary.HaAddress(), std::chrono::milliseconds(2000));
  ASSERT_TRUE(slave.ok());
  ASSERT_TRUE(slave->Write({EncodeReport(1'000'000)}, std::chrono::milliseconds(1000)).ok());
  std::array<std::uint8_t, 16> buffer{};
  StatusOr<std::size_t> n = slave->Read(buffer, std::chrono::milliseconds(5000));
  EXPECT_EQ(n.status().code(), StatusCode::kUnavailable) << "the master kept the connection";
  EXPECT_TRUE(primary.Replicas().empty());
}

TEST(MasterSlaveReplicatorTest, SlaveSurvivesAMasterSendingGarbageAndReconnects) {
  auto fake_master = Socket::Listen("127.0.0.1:0");
  ASSERT_TRUE(fake_master.ok());
  Fixture slave(1);
  MasterSlaveReplicator replica(
      *slave.Parse({{"role", "slave"}, {"master_ha", fake_master->LocalAddress()}}), slave.context);
  ASSERT_TRUE(replica.Start().ok());
  for (int round = 0; round < 2; ++round) {
    auto c = fake_master->Accept(std::chrono::milliseconds(5000));
    ASSERT_TRUE(c.ok()) << "round " << round << ": " << c.status();
    std::array<std::uint8_t, 8> report{};
    ASSERT_TRUE(c->Read(report, std::chrono::milliseconds(2000)).ok());
    // A header claiming a 2 GiB body, then junk: the slave must close, not allocate or crash.
    auto header = EncodeTransferHeader(0, 0x7fffffff);
    std::array<std::uint8_t, 5> junk{1, 2, 3, 4, 5};
    (void)c->Write({header, junk}, std::chrono::milliseconds(1000));
    std::array<std::uint8_t, 64> buffer{};
    StatusOr<std::size_t> n = c->Read(buffer, std::chrono::milliseconds(5000));
    while (n.ok()) n = c->Read(buffer, std::chrono::milliseconds(5000));
    EXPECT_EQ(n.status().code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(slave.store.Bytes().empty());
}

TEST(MasterSlaveReplicatorTest, SuggestsTheSlaveForColdReadsOnlyWithSlaveRead) {
  Fixture f;
  MasterSlaveReplicator off(*f.Parse({{"slave_read_memory", "1000B"}}), f.context);
  EXPECT_EQ(off.SuggestReadBroker(CommitLogOffset(0), CommitLogOffset(1'000'000)), 0);
  MasterSlaveReplicator on(
      *f.Parse(
          {{"slave_read", "true"}, {"slave_read_memory", "1000B"}, {"slave_read_ratio", "40"}}),
      f.context);
  EXPECT_EQ(on.SuggestReadBroker(CommitLogOffset(100), CommitLogOffset(500)), 0);
  EXPECT_EQ(on.SuggestReadBroker(CommitLogOffset(100), CommitLogOffset(501)), 1);
  Fixture s(1);
  MasterSlaveReplicator slave(*s.Parse({{"role", "slave"}, {"master_ha", "127.0.0.1:10912"}}),
                              s.context);
  EXPECT_FALSE(slave.ServesReads());
  EXPECT_EQ(slave.MasterAddress(), "127.0.0.1:10911") << "derived from master_ha's port - 1";
  EXPECT_TRUE(on.ServesReads());
}

TEST(MasterSlaveConfigTest, RejectsBadValuesNamingTheKey) {
  Fixture slave(1);
  EXPECT_THAT(slave.Parse({{"role", "slave"}, {"master_ha", "nowhere"}}).status().message(),
              HasSubstr("master_ha"));
  Fixture f;
  EXPECT_THAT(f.Parse({{"transfer_batch", "10B"}}).status().message(), HasSubstr("transfer_batch"));
  EXPECT_THAT(f.Parse({{"slave_read_ratio", "0"}}).status().message(),
              HasSubstr("slave_read_ratio"));
}

}  // namespace
}  // namespace quiver::replication::master_slave
