#pragma once
// RocketMQ's classic broker group (rocketmq-protocol.md §7): appends go to the local store
// and are acknowledged per the role; the commit log streams to slaves over the HA channel.
//
//   async-master  acknowledge after the local append (and local flush policy)
//   sync-master   acknowledge once a slave reported an offset at or past the batch's end
//                 (PendingAcks; no thread waits); FLUSH_SLAVE_TIMEOUT after sync_timeout,
//                 SLAVE_NOT_AVAILABLE at once when no slave is connected (or it is more than
//                 256 MiB behind) — stored locally either way, never a false success
//   slave         refuses appends ("not master"); HaClient copies the master's commit log;
//                 topic configs, consumer and delay offsets are copied every
//                 metadata_sync_interval through the transport client (codes 21, 43, 45)
//
// Thread safety: all methods may be called from any thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "ha_client.h"
#include "ha_server.h"
#include "master_slave_config.h"
#include "pending_acks.h"
#include "quiver/plugin_context.h"
#include "quiver/replication.h"

namespace quiver::replication::master_slave {

class MasterSlaveReplicator final : public Replicator {
 public:
  // REQUIRES: context.store and context.broker are set and outlive the replicator.
  MasterSlaveReplicator(MasterSlaveConfig config, PluginContext& context);
  ~MasterSlaveReplicator() override;

  Status Start() override;
  void Stop() override;
  void Append(MessageBatch batch, ReplicatedAppendCallback done) override;
  ReplicaRole Role() const override;
  std::string MasterAddress() const override;
  CommitLogOffset ReadableLimit() const override;
  void SetRoleListener(std::function<void(const RoleChange&)> listener) override;
  std::vector<ReplicaStatus> Replicas() const override;
  std::int64_t SuggestReadBroker(CommitLogOffset last_read, CommitLogOffset max) const override;
  bool ServesReads() const override;

  // For tests: the HA listener's address ("" before Start or on a slave).
  std::string HaAddress() const;
  std::size_t PendingCount() const { return pending_.size(); }

 private:
  // Completes a sync master's append (stored locally) per the slaves' state.
  void AwaitSlave(std::int64_t end_offset, ReplicatedAppend out, ReplicatedAppendCallback done);
  void OnAck(std::int64_t offset);
  void OnSlavesChanged();
  void ExpirePending();
  void SyncMetadata();
  std::string HaListenAddress() const;

  const MasterSlaveConfig config_;
  PluginContext& context_;
  MessageStore& store_;
  const BrokerIdentity broker_;
  std::atomic<bool> running_{false};
  std::mutex mu_;
  std::function<void(const RoleChange&)> role_listener_;
  PendingAcks pending_;
  std::unique_ptr<HaServer> ha_server_;  // masters
  std::unique_ptr<HaClient> ha_client_;  // slaves
  TimerPtr expire_timer_;
  TimerPtr sync_first_timer_;
  TimerPtr sync_timer_;
};

}  // namespace quiver::replication::master_slave
