// The sample replication plugin (tests/out_of_tree/sample_replication, the template users
// copy), built in tree and loaded through PluginHost like any plugin: it appends to the
// context's store and acknowledges after the local append.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fake_store.h"
#include "kernel/plugin/plugin_host.h"
#include "plugin_test_support.h"
#include "quiver/plugin_context.h"
#include "quiver/replication.h"
#include "quiver/route.h"

namespace quiver::kernel {
namespace {

using quiver::testing::FakeStore;
using quiver::testing::TestMessage;
using ::testing::ElementsAre;

class SampleReplicationTest : public testing::PluginPathEnvTest {
 protected:
  void SetUp() override {
    PluginPathEnvTest::SetUp();
    context_.store = &store_;
    context_.logger = std::make_shared<spdlog::logger>("replication.sample");
    StatusOr<std::shared_ptr<ReplicationFactory>> factory =
        host_.Load<ReplicationFactory>("sample");
    ASSERT_TRUE(factory.ok()) << factory.status();
    factory_ = *factory;
  }

  std::shared_ptr<Replicator> Create() {
    StatusOr<std::unique_ptr<Replicator>> created = factory_->CreateReplicator(context_);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? TieToPlugin(std::move(created).value(), factory_) : nullptr;
  }

  // Appends synchronously (the fake store completes inline).
  static StatusOr<ReplicatedAppend> AppendNow(Replicator& replicator, MessageBatch batch) {
    std::optional<StatusOr<ReplicatedAppend>> result;
    replicator.Append(std::move(batch),
                      [&](StatusOr<ReplicatedAppend> r) { result.emplace(std::move(r)); });
    if (!result.has_value()) return InternalError("the completion did not run");
    return *result;
  }

  FakeStore store_;
  PluginContext context_;
  PluginHost host_{{testing::kGoodDir}};
  std::shared_ptr<ReplicationFactory> factory_;
};

TEST_F(SampleReplicationTest, StartReportsAStandaloneMaster) {
  std::shared_ptr<Replicator> replicator = Create();
  ASSERT_NE(replicator, nullptr);
  std::vector<RoleChange> changes;
  replicator->SetRoleListener([&](const RoleChange& change) { changes.push_back(change); });

  ASSERT_TRUE(replicator->Start().ok());

  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].role, ReplicaRole::kMaster);
  EXPECT_EQ(changes[0].broker_id, kMasterBrokerId);
  EXPECT_EQ(replicator->Role(), ReplicaRole::kMaster);
  EXPECT_EQ(replicator->MasterAddress(), "");
  EXPECT_TRUE(replicator->Replicas().empty());
}

TEST_F(SampleReplicationTest, AppendIsAcknowledgedAfterTheLocalAppendWithItsOffsets) {
  std::shared_ptr<Replicator> replicator = Create();
  ASSERT_TRUE(replicator->Start().ok());
  MessageBatch batch;
  batch.messages.push_back(TestMessage("TopicA", 1, "hello"));
  batch.messages.push_back(TestMessage("TopicA", 1, "world!"));

  StatusOr<ReplicatedAppend> appended = AppendNow(*replicator, std::move(batch));

  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->outcome, SendOutcome::kOk);
  ASSERT_EQ(appended->results.size(), 2u);
  EXPECT_EQ(appended->results[0].physical_offset, CommitLogOffset{0});
  EXPECT_EQ(appended->results[1].physical_offset, CommitLogOffset{5});
  EXPECT_EQ(appended->results[1].queue_offset, QueueOffset{1});
  EXPECT_THAT(store_.bodies(), ElementsAre("hello", "world!"));
  EXPECT_EQ(replicator->ReadableLimit(), CommitLogOffset{11});
}

TEST_F(SampleReplicationTest, StoreFlushTimeoutBecomesFlushDiskTimeout) {
  std::shared_ptr<Replicator> replicator = Create();
  ASSERT_TRUE(replicator->Start().ok());
  store_.SetFlushOutcome(FlushOutcome::kFlushTimeout);
  MessageBatch batch;
  batch.messages.push_back(TestMessage("TopicA", 0, "x"));

  StatusOr<ReplicatedAppend> appended = AppendNow(*replicator, std::move(batch));

  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->outcome, SendOutcome::kFlushDiskTimeout);
}

TEST_F(SampleReplicationTest, StoreErrorIsPassedThrough) {
  std::shared_ptr<Replicator> replicator = Create();
  ASSERT_TRUE(replicator->Start().ok());
  store_.FailAppendsWith(ResourceExhaustedError("disk full"));
  MessageBatch batch;
  batch.messages.push_back(TestMessage("TopicA", 0, "x"));

  StatusOr<ReplicatedAppend> appended = AppendNow(*replicator, std::move(batch));

  EXPECT_EQ(appended.status(), ResourceExhaustedError("disk full"));
}

TEST_F(SampleReplicationTest, AppendBeforeStartOrAfterStopIsUnavailable) {
  std::shared_ptr<Replicator> replicator = Create();
  MessageBatch batch;
  batch.messages.push_back(TestMessage("TopicA", 0, "x"));

  EXPECT_EQ(AppendNow(*replicator, batch).status(),
            UnavailableError("replication.sample: not started (or stopped)"));
  ASSERT_TRUE(replicator->Start().ok());
  replicator->Stop();
  EXPECT_EQ(AppendNow(*replicator, batch).status(),
            UnavailableError("replication.sample: not started (or stopped)"));
  EXPECT_TRUE(store_.bodies().empty());
}

TEST_F(SampleReplicationTest, SlaveBrokerIdIsRefused) {
  BrokerIdentity identity;
  identity.broker_id = BrokerId{2};
  context_.broker = &identity;

  StatusOr<std::unique_ptr<Replicator>> created = factory_->CreateReplicator(context_);

  EXPECT_EQ(created.status(),
            InvalidArgumentError("replication.sample: a local-only replicator is a standalone "
                                 "master, so [broker] id must be 0, found 2; use the "
                                 "master-slave or raft plugin for replicas"));
}

TEST_F(SampleReplicationTest, ContextWithoutStoreIsRefused) {
  context_.store = nullptr;

  StatusOr<std::unique_ptr<Replicator>> created = factory_->CreateReplicator(context_);

  EXPECT_EQ(created.status(),
            FailedPreconditionError("replication.sample: the context has no store (replication "
                                    "runs in a broker only)"));
}

}  // namespace
}  // namespace quiver::kernel
