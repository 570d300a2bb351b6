// The "sample" replication plugin: a standalone master that acknowledges every batch as
// soon as the local store has it ("local-only"), like RocketMQ's ASYNC_MASTER without
// slaves. It is the template for writing your own replication plugin; see README.md.
//
// What a replication plugin does (quiver/replication.h): the broker hands it every batch;
// it appends to the store from its PluginContext and completes the batch per its policy.

#include <spdlog/logger.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "quiver/plugin_context.h"
#include "quiver/plugin_export.h"
#include "quiver/replication.h"
#include "quiver/storage.h"

namespace sample_replication {

using quiver::AppendOutcome;
using quiver::BrokerId;
using quiver::CommitLogOffset;
using quiver::FlushOutcome;
using quiver::MessageBatch;
using quiver::MessageStore;
using quiver::ReplicaRole;
using quiver::ReplicaStatus;
using quiver::ReplicatedAppend;
using quiver::ReplicatedAppendCallback;
using quiver::RoleChange;
using quiver::SendOutcome;
using quiver::Status;
using quiver::StatusOr;

// Thread safety: Append, Role, ReadableLimit and Replicas may be called from any thread;
// SetRoleListener before Start (as the interface requires).
class LocalOnlyReplicator final : public quiver::Replicator {
 public:
  LocalOnlyReplicator(MessageStore* store, BrokerId broker_id,
                      std::shared_ptr<spdlog::logger> logger)
      : store_(store), broker_id_(broker_id), logger_(std::move(logger)) {}

  Status Start() override {
    started_.store(true);
    // The kernel's logger for this plugin ("replication.sample"); never create your own.
    if (logger_) logger_->info("started as a standalone master (acknowledges local appends)");
    // A standalone master is master from the start; tell the broker so it registers.
    if (role_listener_) role_listener_(RoleChange{ReplicaRole::kMaster, broker_id_, "", {}});
    return Status::Ok();
  }

  void Stop() override { started_.store(false); }

  void Append(MessageBatch batch, ReplicatedAppendCallback done) override {
    if (!started_.load()) {
      done(quiver::UnavailableError("replication.sample: not started (or stopped)"));
      return;
    }
    // Durable enough as soon as the local store says so: there are no replicas to wait for.
    store_->Append(std::move(batch), [done = std::move(done)](StatusOr<AppendOutcome> stored) {
      if (!stored.ok()) {
        done(stored.status());
        return;
      }
      ReplicatedAppend replicated;
      replicated.results = std::move(stored->results);
      replicated.outcome = stored->flush == FlushOutcome::kFlushTimeout
                               ? SendOutcome::kFlushDiskTimeout
                               : SendOutcome::kOk;
      done(std::move(replicated));
    });
  }

  ReplicaRole Role() const override { return ReplicaRole::kMaster; }
  std::string MasterAddress() const override { return ""; }
  // Everything stored is readable: no follower has to catch up first.
  CommitLogOffset ReadableLimit() const override { return store_->Stats().max_physical_offset; }
  void SetRoleListener(std::function<void(const RoleChange&)> listener) override {
    role_listener_ = std::move(listener);
  }
  std::vector<ReplicaStatus> Replicas() const override { return {}; }

 private:
  MessageStore* store_;  // owned by the broker, outlives this replicator
  BrokerId broker_id_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<bool> started_{false};
  std::function<void(const RoleChange&)> role_listener_;
};

class SampleReplicationFactory final : public quiver::ReplicationFactory {
 public:
  StatusOr<std::unique_ptr<quiver::Replicator>> CreateReplicator(
      quiver::PluginContext& context) override {
    if (context.store == nullptr) {
      return quiver::FailedPreconditionError(
          "replication.sample: the context has no store (replication runs in a broker only)");
    }
    BrokerId broker_id = context.broker != nullptr ? context.broker->broker_id : BrokerId{0};
    if (broker_id != quiver::kMasterBrokerId) {
      return quiver::InvalidArgumentError(
          "replication.sample: a local-only replicator is a standalone master, so [broker] id "
          "must be 0, found " +
          std::to_string(broker_id.value()) + "; use the master-slave or raft plugin for replicas");
    }
    return std::unique_ptr<quiver::Replicator>(
        std::make_unique<LocalOnlyReplicator>(context.store, broker_id, context.logger));
  }
};

}  // namespace sample_replication

QUIVER_PLUGIN(quiver::PluginKind::kReplication, "sample", "1.0.0",
              sample_replication::SampleReplicationFactory);
