#pragma once
// Replication plugins: between the broker and its store (DESIGN.md §2).
//
// The broker never appends to the store directly. It hands every batch to the Replicator,
// which appends locally on a master/leader and completes per its policy: async master at
// once, sync master when a slave has the batch, Raft when a majority has it. A slave or
// follower refuses appends with kFailedPrecondition ("not master") and MasterAddress()
// names the master where known. Role changes (a Raft leader elected) are reported so the
// broker re-registers at once.
//
// A replication plugin gets the store, the transport (server to register request codes,
// client to reach peers), the broker identity and the broker's metadata through its
// PluginContext, and may open its own listener (RocketMQ's HA port).
//
// Threading: every method may be called from any thread. Completions must not block.
// Append's completion may run inline, on the calling thread before Append returns: a
// refusal (not master, stopping), or a local append the store completed inline (storage.h)
// when no replica has to be waited for (an async master; a sync master answering at once).
// Callers follow the same rules as callers of MessageStore::Append: no lock held across the
// call that the completion takes, nothing used after the call that was moved into it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/export.h"
#include "quiver/message.h"
#include "quiver/plugin.h"
#include "quiver/route.h"
#include "quiver/status.h"
#include "quiver/storage.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {

struct PluginContext;

// RocketMQ's send outcomes: every value means "stored on this broker"; all but kOk mean
// "not as durable as the configuration promises".
enum class SendOutcome { kOk, kFlushDiskTimeout, kFlushSlaveTimeout, kSlaveNotAvailable };

struct ReplicatedAppend {
  std::vector<AppendResult> results;
  SendOutcome outcome = SendOutcome::kOk;
};
using ReplicatedAppendCallback = std::function<void(StatusOr<ReplicatedAppend>)>;

enum class ReplicaRole { kMaster, kSlave, kCandidate };

struct RoleChange {
  ReplicaRole role = ReplicaRole::kMaster;
  BrokerId broker_id{0};       // the id to register with (a Raft leader registers as 0)
  std::string master_address;  // broker address of the current master, "" if unknown
  Term term{0};
  // Master-slave: the HA listener published as haServerAddr ("" if none), and the
  // RocketMQ role a master registers with (ignored for other roles).
  std::string ha_address = "";
  BrokerRole broker_role = BrokerRole::kAsyncMaster;
};

struct ReplicaStatus {
  std::string address;  // the follower's address
  BrokerId broker_id{0};
  CommitLogOffset acked_offset{0};
  std::int64_t lag_bytes = 0;  // master max physical offset - acked offset
  bool in_sync = false;
};

class QUIVER_SDK_VISIBLE Replicator {
 public:
  Replicator() = default;
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;
  virtual ~Replicator();

  // Starts replication (listeners, connections to peers, timers). REQUIRES: the store is
  // open; the transport server has not started yet (request codes can still be registered).
  virtual Status Start() = 0;
  // Fails pending appends with kUnavailable, closes connections, joins threads.
  virtual void Stop() = 0;

  // Appends `batch` locally and replicates it; `done` runs exactly once, on whatever thread
  // completes it: the store's, a replica connection's, a timer's, or the caller's (inline,
  // see Threading above).
  virtual void Append(MessageBatch batch, ReplicatedAppendCallback done) = 0;

  virtual ReplicaRole Role() const = 0;
  // Broker address of the master, "" when unknown (or this node).
  virtual std::string MasterAddress() const = 0;
  // Replicas may serve reads only up to this offset (Raft: committed); masters and
  // master-slave slaves return the store's max physical offset.
  virtual CommitLogOffset ReadableLimit() const = 0;
  // `listener` runs after every role change. REQUIRES: before Start().
  virtual void SetRoleListener(std::function<void(const RoleChange&)> listener) = 0;
  // Followers as the master/leader sees them (empty on a slave).
  virtual std::vector<ReplicaStatus> Replicas() const = 0;

  // Slave reads (rocketmq-protocol.md §7.4). The suggestWhichBrokerId of a pull answer that
  // returned records up to `last_read` while the store held up to `max`: 0 = read from the
  // master, > 0 = from that slave. Default: 0 (no slave reads).
  virtual std::int64_t SuggestReadBroker(CommitLogOffset last_read, CommitLogOffset max) const {
    (void)last_read;
    (void)max;
    return 0;
  }
  // Whether this broker answers PULL_MESSAGE (a master-slave slave only with slave_read).
  // Default: true.
  virtual bool ServesReads() const { return true; }
};

// What a replication plugin may read from and write to the broker's metadata, as JSON
// documents in RocketMQ's shapes (topics.json, consumerOffset.json, delayOffset.json), so
// that slaves can copy them from the master. Implemented by the broker role.
enum class MetadataKind { kTopicConfigs, kConsumerOffsets, kDelayOffsets };

class QUIVER_SDK_VISIBLE BrokerMetadata {
 public:
  BrokerMetadata() = default;
  BrokerMetadata(const BrokerMetadata&) = delete;
  BrokerMetadata& operator=(const BrokerMetadata&) = delete;
  virtual ~BrokerMetadata();

  virtual std::string Export(MetadataKind kind) const = 0;
  // Replaces the metadata of `kind` with `json` (a slave applying the master's); persisted.
  // kInvalidArgument for malformed JSON, leaving the current metadata unchanged.
  virtual Status Import(MetadataKind kind, std::string_view json) = 0;
};

class QUIVER_SDK_VISIBLE ReplicationFactory : public PluginFactory {
 public:
  static constexpr PluginKind kKind = PluginKind::kReplication;
  virtual StatusOr<std::unique_ptr<Replicator>> CreateReplicator(PluginContext& context) = 0;
};

}  // namespace v1
}  // namespace quiver
