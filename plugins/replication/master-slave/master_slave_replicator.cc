#include "master_slave_replicator.h"

namespace quiver::replication::master_slave {

MasterSlaveReplicator::MasterSlaveReplicator(MasterSlaveConfig config, PluginContext& context)
    : config_(std::move(config)),
      store_(*context.store),
      self_address_(context.broker != nullptr ? context.broker->address : std::string()) {}

Status MasterSlaveReplicator::Start() {
  running_.store(true);
  std::function<void(const RoleChange&)> listener;
  {
    std::lock_guard lock(mu_);
    listener = role_listener_;
  }
  if (listener) {
    RoleChange change;
    change.role = Role();
    change.broker_id = config_.role == BrokerRole::kSlave ? BrokerId(1) : kMasterBrokerId;
    change.master_address = config_.role == BrokerRole::kSlave ? std::string() : self_address_;
    listener(change);
  }
  return Status();
}

void MasterSlaveReplicator::Stop() { running_.store(false); }

void MasterSlaveReplicator::Append(MessageBatch batch, ReplicatedAppendCallback done) {
  if (!running_.load()) {
    done(UnavailableError("replication master-slave: not started or stopping"));
    return;
  }
  if (config_.role == BrokerRole::kSlave) {
    done(
        FailedPreconditionError("not master: this broker is a slave; send to the master of "
                                "its broker group"));
    return;
  }
  const BrokerRole role = config_.role;
  store_.Append(std::move(batch), [role, done = std::move(done)](StatusOr<AppendOutcome> stored) {
    if (!stored.ok()) {
      done(stored.status());
      return;
    }
    ReplicatedAppend out;
    out.results = std::move(stored->results);
    if (stored->flush == FlushOutcome::kFlushTimeout) {
      out.outcome = SendOutcome::kFlushDiskTimeout;
    } else if (role == BrokerRole::kSyncMaster) {
      // No slave is connected in standalone mode: stored here, not replicated (RocketMQ
      // answers SLAVE_NOT_AVAILABLE at once rather than waiting for the timeout).
      out.outcome = SendOutcome::kSlaveNotAvailable;
    }
    done(std::move(out));
  });
}

ReplicaRole MasterSlaveReplicator::Role() const {
  return config_.role == BrokerRole::kSlave ? ReplicaRole::kSlave : ReplicaRole::kMaster;
}

std::string MasterSlaveReplicator::MasterAddress() const {
  return config_.role == BrokerRole::kSlave ? std::string() : self_address_;
}

CommitLogOffset MasterSlaveReplicator::ReadableLimit() const {
  return store_.Stats().max_physical_offset;
}

void MasterSlaveReplicator::SetRoleListener(std::function<void(const RoleChange&)> listener) {
  std::lock_guard lock(mu_);
  role_listener_ = std::move(listener);
}

std::vector<ReplicaStatus> MasterSlaveReplicator::Replicas() const { return {}; }

}  // namespace quiver::replication::master_slave
