#pragma once
// RocketMQ's classic broker group, master side: appends go to the local store and are
// acknowledged per the role (rocketmq-protocol.md §7).
//
//   async-master  acknowledge after the local append (and local flush policy)
//   sync-master   acknowledge once a slave has the batch; with no slave in sync the
//                 producer gets SLAVE_NOT_AVAILABLE (stored locally, not replicated)
//   slave         refuses appends ("not master")
//
// This is the standalone mode (a master with no slaves): the HA channel that streams the
// commit log to slaves is added by the master-slave replication issue, behind this same
// interface.
//
// Thread safety: all methods may be called from any thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "master_slave_config.h"
#include "quiver/plugin_context.h"
#include "quiver/replication.h"

namespace quiver::replication::master_slave {

class MasterSlaveReplicator final : public Replicator {
 public:
  // REQUIRES: context.store is set and outlives the replicator.
  MasterSlaveReplicator(MasterSlaveConfig config, PluginContext& context);

  Status Start() override;
  void Stop() override;
  void Append(MessageBatch batch, ReplicatedAppendCallback done) override;
  ReplicaRole Role() const override;
  std::string MasterAddress() const override;
  CommitLogOffset ReadableLimit() const override;
  void SetRoleListener(std::function<void(const RoleChange&)> listener) override;
  std::vector<ReplicaStatus> Replicas() const override;

 private:
  const MasterSlaveConfig config_;
  MessageStore& store_;
  std::string self_address_;
  std::atomic<bool> running_{false};
  std::mutex mu_;
  std::function<void(const RoleChange&)> role_listener_;
};

}  // namespace quiver::replication::master_slave
