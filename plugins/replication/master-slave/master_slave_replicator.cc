#include "master_slave_replicator.h"

#include <spdlog/logger.h>

#include <charconv>

#include "quiver/protocol/codes.h"
#include "quiver/transport.h"

namespace quiver::replication::master_slave {
namespace {

// RocketMQ's haSlaveFallbehindMax: a slave further behind does not count for sync appends.
constexpr std::int64_t kSlaveFallBehindMax = 256LL * 1024 * 1024;

}  // namespace

MasterSlaveReplicator::MasterSlaveReplicator(MasterSlaveConfig config, PluginContext& context)
    : config_(std::move(config)),
      context_(context),
      store_(*context.store),
      broker_(context.broker != nullptr ? *context.broker : BrokerIdentity{}) {}

MasterSlaveReplicator::~MasterSlaveReplicator() { Stop(); }

std::string MasterSlaveReplicator::HaListenAddress() const {
  if (!config_.ha_listen.empty()) return config_.ha_listen;
  const std::size_t colon = broker_.address.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    std::from_chars(broker_.address.data() + colon + 1,
                    broker_.address.data() + broker_.address.size(), port);
  }
  return broker_.address.substr(0, colon) + ":" + std::to_string(port + 1);
}

Status MasterSlaveReplicator::Start() {
  if (config_.role == BrokerRole::kSlave) {
    HaClientOptions options;
    options.master_ha = config_.master_ha;
    ha_client_ = std::make_unique<HaClient>(store_, options, context_.logger);
    ha_client_->Start();
    if (context_.clock != nullptr && context_.transport_client != nullptr &&
        context_.broker_metadata != nullptr) {
      // RocketMQ's SlaveSynchronize: first after 3 s, then every interval.
      sync_first_timer_ = context_.clock->RunAfter(
          std::min<Duration>(config_.metadata_sync_interval, std::chrono::seconds(3)),
          [this] { SyncMetadata(); });
      sync_timer_ =
          context_.clock->RunEvery(config_.metadata_sync_interval, [this] { SyncMetadata(); });
    }
  } else {
    HaServerOptions options;
    options.transfer_batch = config_.transfer_batch;
    ha_server_ = std::make_unique<HaServer>(
        store_, options, context_.logger, [this](std::int64_t offset) { OnAck(offset); },
        [this] { OnSlavesChanged(); });
    Status listening = ha_server_->Start(HaListenAddress());
    if (!listening.ok() && !config_.ha_listen.empty()) {
      return listening.WithContext(context_.config->Where("ha_listen"));
    }
    if (!listening.ok()) {
      // The implicit default (broker port + 1) may be another node's port: a master without
      // slaves must still start; slaves need an explicit ha_listen then.
      if (context_.logger) {
        context_.logger->warn(
            "no HA listener on the default {} ({}): slaves cannot connect; set "
            "[replication.master-slave] ha_listen to a free port to replicate",
            HaListenAddress(), listening.message());
      }
      ha_server_.reset();
    }
    if (config_.role == BrokerRole::kSyncMaster && context_.clock != nullptr) {
      const Duration tick = std::clamp<Duration>(
          config_.sync_timeout / 10, std::chrono::milliseconds(10), std::chrono::milliseconds(200));
      expire_timer_ = context_.clock->RunEvery(tick, [this] { ExpirePending(); });
    }
  }
  running_.store(true);
  std::function<void(const RoleChange&)> listener;
  {
    std::lock_guard lock(mu_);
    listener = role_listener_;
  }
  if (listener) {
    RoleChange change;
    change.role = Role();
    change.broker_id = broker_.broker_id;
    change.master_address = MasterAddress();
    change.ha_address = HaAddress();
    change.broker_role = config_.role;
    listener(change);
  }
  return Status();
}

void MasterSlaveReplicator::Stop() {
  running_.store(false);
  expire_timer_.reset();
  sync_first_timer_.reset();
  sync_timer_.reset();
  if (ha_client_) ha_client_->Stop();
  if (ha_server_) ha_server_->Stop();
  for (PendingAcks::Entry& e : pending_.TakeAll()) {
    e.done(UnavailableError(
        "replication master-slave stopping: the message is stored on the master but no "
        "slave confirmed it"));
  }
}

std::string MasterSlaveReplicator::HaAddress() const {
  return ha_server_ ? ha_server_->LocalAddress() : std::string();
}

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
  store_.Append(std::move(batch), [this, done = std::move(done)](StatusOr<AppendOutcome> stored) {
    if (!stored.ok()) {
      done(stored.status());
      return;
    }
    if (ha_server_) ha_server_->NotifyData();
    ReplicatedAppend out;
    out.results = std::move(stored->results);
    if (stored->flush == FlushOutcome::kFlushTimeout) out.outcome = SendOutcome::kFlushDiskTimeout;
    if (config_.role != BrokerRole::kSyncMaster || out.results.empty()) {
      done(std::move(out));
      return;
    }
    const AppendResult& last = out.results.back();
    AwaitSlave(last.physical_offset.value() + last.size, std::move(out), std::move(done));
  });
}

void MasterSlaveReplicator::AwaitSlave(std::int64_t end_offset, ReplicatedAppend out,
                                       ReplicatedAppendCallback done) {
  const std::int64_t best = ha_server_ ? ha_server_->BestAck() : -1;
  if (best < 0 || end_offset - best > kSlaveFallBehindMax) {
    // RocketMQ answers SLAVE_NOT_AVAILABLE at once rather than waiting for the timeout.
    out.outcome = SendOutcome::kSlaveNotAvailable;
    done(std::move(out));
    return;
  }
  PendingAcks::Entry entry;
  entry.end_offset = end_offset;
  entry.deadline =
      context_.clock != nullptr ? context_.clock->Now() + config_.sync_timeout : TimePoint::max();
  entry.result = std::move(out);
  entry.done = std::move(done);
  std::optional<PendingAcks::Entry> ready = pending_.Add(std::move(entry));
  if (ready) {
    ready->done(std::move(ready->result));
    return;
  }
  // The slave may have disconnected between BestAck() and Add(): do not wait for nothing.
  if (ha_server_->SlaveCount() == 0) OnSlavesChanged();
}

void MasterSlaveReplicator::OnAck(std::int64_t offset) {
  for (PendingAcks::Entry& e : pending_.Ack(offset)) e.done(std::move(e.result));
}

void MasterSlaveReplicator::OnSlavesChanged() {
  if (!ha_server_ || ha_server_->SlaveCount() > 0) return;
  for (PendingAcks::Entry& e : pending_.TakeAll()) {
    e.result.outcome = SendOutcome::kSlaveNotAvailable;
    e.done(std::move(e.result));
  }
}

void MasterSlaveReplicator::ExpirePending() {
  for (PendingAcks::Entry& e : pending_.Expire(context_.clock->Now())) {
    e.result.outcome = SendOutcome::kFlushSlaveTimeout;
    e.done(std::move(e.result));
  }
}

void MasterSlaveReplicator::SyncMetadata() {
  if (!running_.load()) return;
  struct Kind {
    std::int32_t code;
    MetadataKind kind;
    const char* name;
  };
  for (Kind k : {Kind{protocol::request_code::kGetAllTopicConfig, MetadataKind::kTopicConfigs,
                      "topic configs"},
                 Kind{protocol::request_code::kGetAllConsumerOffset, MetadataKind::kConsumerOffsets,
                      "consumer offsets"},
                 Kind{protocol::request_code::kGetAllDelayOffset, MetadataKind::kDelayOffsets,
                      "delay offsets"}}) {
    context_.transport_client->InvokeAsync(
        config_.master_address, RemotingCommand::Request(k.code), std::chrono::seconds(3),
        [this, k](StatusOr<RemotingCommand> response) {
          if (!running_.load()) return;
          Status s;
          if (!response.ok()) {
            s = response.status();
          } else if (response->code != protocol::response_code::kSuccess) {
            s = UnavailableError("the master answered code " + std::to_string(response->code) +
                                 " " + response->remark.value_or(""));
          } else {
            const std::string json = response->body.ToString();
            // Metadata files are written to disk: leave the I/O thread.
            context_.executor->Post([this, k, json] {
              if (!running_.load()) return;
              Status imported = context_.broker_metadata->Import(k.kind, json);
              if (!imported.ok() && context_.logger) {
                context_.logger->warn("copying {} from master {} failed: {}", k.name,
                                      config_.master_address, imported.ToString());
              }
            });
            return;
          }
          if (context_.logger) {
            context_.logger->debug("copying {} from master {} failed: {}", k.name,
                                   config_.master_address, s.ToString());
          }
        });
  }
}

ReplicaRole MasterSlaveReplicator::Role() const {
  return config_.role == BrokerRole::kSlave ? ReplicaRole::kSlave : ReplicaRole::kMaster;
}

std::string MasterSlaveReplicator::MasterAddress() const {
  return config_.role == BrokerRole::kSlave ? config_.master_address : broker_.address;
}

CommitLogOffset MasterSlaveReplicator::ReadableLimit() const {
  return store_.Stats().max_physical_offset;
}

void MasterSlaveReplicator::SetRoleListener(std::function<void(const RoleChange&)> listener) {
  std::lock_guard lock(mu_);
  role_listener_ = std::move(listener);
}

std::vector<ReplicaStatus> MasterSlaveReplicator::Replicas() const {
  return ha_server_ ? ha_server_->Replicas() : std::vector<ReplicaStatus>{};
}

std::int64_t MasterSlaveReplicator::SuggestReadBroker(CommitLogOffset last_read,
                                                      CommitLogOffset max) const {
  if (!config_.slave_read) return 0;
  // RocketMQ: the data is "cold" (no longer in memory) when the reader is further behind
  // than accessMessageInMemoryMaxRatio % of memory; then whichBrokerWhenConsumeSlowly (1).
  return max.value() - last_read.value() > config_.SlaveReadThreshold() ? 1 : 0;
}

bool MasterSlaveReplicator::ServesReads() const {
  return config_.role != BrokerRole::kSlave || config_.slave_read;
}

}  // namespace quiver::replication::master_slave
