#include "master_slave_replicator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "quiver/testing/map_config_view.h"

namespace quiver::replication::master_slave {
namespace {

using ::testing::HasSubstr;

// A store that records appends and completes them when the test says so.
class RecordingStore final : public MessageStore {
 public:
  std::vector<MessageBatch> appended;
  std::deque<AppendCallback> pending;
  std::int64_t next_offset = 0;

  Status Open() override { return Status(); }
  void Close() override {}
  void SetDispatchListener(DispatchListener) override {}
  void Append(MessageBatch batch, AppendCallback done) override {
    appended.push_back(batch);
    pending.push_back(std::move(done));
  }
  void CompleteNext(StatusOr<AppendOutcome> outcome) {
    AppendCallback done = std::move(pending.front());
    pending.pop_front();
    done(std::move(outcome));
  }
  AppendOutcome Stored(FlushOutcome flush) {
    AppendOutcome out;
    out.results.push_back(AppendResult{CommitLogOffset(next_offset), QueueOffset(0), 100, 1});
    out.flush = flush;
    next_offset += 100;
    return out;
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
  StatusOr<BufferList> ReadRaw(CommitLogOffset, std::int64_t) const override {
    return BufferList();
  }
  void AppendRaw(CommitLogOffset, BufferList, std::function<void(Status)> done) override {
    done(Status());
  }
  Status Truncate(CommitLogOffset) override { return Status(); }
  void Flush(std::function<void(Status)> done) override { done(Status()); }
  StoreStats Stats() const override {
    StoreStats s;
    s.max_physical_offset = CommitLogOffset(next_offset);
    return s;
  }
};

struct Fixture {
  RecordingStore store;
  BrokerIdentity broker;
  PluginContext context;

  explicit Fixture(std::int64_t broker_id = 0) {
    broker.broker_name = "broker-a";
    broker.broker_id = BrokerId(broker_id);
    broker.address = "127.0.0.1:10911";
    context.store = &store;
    context.broker = &broker;
  }
  StatusOr<MasterSlaveConfig> Parse(std::map<std::string, std::string> values) {
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

}  // namespace
}  // namespace quiver::replication::master_slave
