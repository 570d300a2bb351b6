#pragma once
// The broker's metadata: topic configs, consumer offsets and delay offsets, loaded from and
// persisted to store_dir/config/*.json (MetadataStore), and exchanged with replication
// plugins as JSON (quiver::BrokerMetadata: a slave imports its master's).
//
// The role assembly creates this first (the replication plugin's PluginContext needs it
// as `broker_metadata` before BrokerProcessing can be built), calls Load(), and keeps it
// alive longer than the replicator and BrokerProcessing.
//
// topics.json durability (RocketMQ writes it on every change; 1,000 auto-created topics
// would rewrite the whole table 1,000 times, with two fsyncs each, on the request path):
//   - PersistTopics(TopicsWrite::kNow) writes before returning. Used where a reply or a
//     caller relies on the file: UPDATE_AND_CREATE_TOPIC (its success means the topic is
//     on disk), Import (a slave copying its master), Load (TBW102).
//   - PersistTopics(TopicsWrite::kDeferred), the hot path (topics auto-created by a send,
//     retry topics from heartbeats, system topics), only notes the change. A timer
//     started by Load() writes the table at most once per topics_persist_interval when it
//     changed, and Stop() (the role's shutdown, or the destructor) writes what is pending.
//   So a crash (not a stop) loses at most the last interval's deferred changes: topics
//   created by their first send (their messages stay in the store; the next send creates
//   the topic again with the same defaults) and retry topics (the next heartbeat). A
//   topic an admin command was told is stored is never lost.
//
// Thread safety: all methods, any thread. Persist* calls are serialised per file. The
// persist timer runs on the clock's executor; Stop() waits for a write in progress.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "kernel/roles/broker/processing/broker_settings.h"
#include "kernel/roles/broker/processing/consumer_offset_manager.h"
#include "kernel/roles/broker/processing/metadata_store.h"
#include "kernel/roles/broker/processing/subscription_group_table.h"
#include "kernel/roles/broker/processing/topic_config_manager.h"
#include "quiver/clock.h"
#include "quiver/replication.h"

namespace quiver::broker {

// How soon PersistTopics writes topics.json.
enum class TopicsWrite { kDeferred, kNow };

class BrokerMetadataTables final : public BrokerMetadata {
 public:
  // Deferred topics.json changes are written this often (when there are any).
  static constexpr Duration kDefaultTopicsPersistInterval = std::chrono::seconds(1);

  BrokerMetadataTables(const BrokerSettings& settings, Clock& clock,
                       Duration topics_persist_interval = kDefaultTopicsPersistInterval);
  ~BrokerMetadataTables() override;  // Stop()
  BrokerMetadataTables(const BrokerMetadataTables&) = delete;
  BrokerMetadataTables& operator=(const BrokerMetadataTables&) = delete;

  // Reads topics.json, consumerOffset.json, delayOffset.json and subscriptionGroup.json
  // (absent files = empty tables), adds TBW102 when auto_create_topic is on, and starts
  // the topics persist timer. kDataLoss naming the file when one is corrupt ("corrupt
  // broker metadata file /d/config/topics.json: invalid JSON at offset 1: ... ; repair or
  // remove it"). Idempotent: later calls return the first result.
  Status Load();
  // Stops the persist timer (waiting for a write in progress) and writes topics.json if
  // a deferred change is pending. Call after the last request is handled (the role stops
  // it after the transport server and the processing). Idempotent; returns the write's
  // result (Ok when nothing was pending).
  Status Stop();

  TopicConfigManager& topics() { return topics_; }
  ConsumerOffsetManager& consumer_offsets() { return offsets_; }
  const DelayOffsetTable& delay_offsets() const { return delay_offsets_; }
  DelayOffsetTable& delay_offsets() { return delay_offsets_; }
  // Kept on this broker only: BrokerMetadata has no kind for it yet, so a slave does not
  // copy its master's groups (it creates them from its own consumers' heartbeats).
  SubscriptionGroupTable& subscription_groups() { return groups_; }

  // Writes topics.json if the topic table changed since the last write: now, or from the
  // persist timer (see the header comment). kInternal naming the file and step when a
  // write fails (the table stays pending and the next tick retries); kDeferred returns
  // the failure of the last timer write, if it failed, so the hot path can log it.
  Status PersistTopics(TopicsWrite when = TopicsWrite::kDeferred);
  // topics.json writes since construction (tests, stats).
  std::uint64_t topics_writes() const;
  // Writes consumerOffset.json if any offset changed since the last write (or always).
  enum class Force { kNo, kYes };
  Status PersistConsumerOffsets(Force force = Force::kNo);
  // Writes delayOffset.json if a delay offset changed since the last write (or always).
  Status PersistDelayOffsets(Force force = Force::kYes);
  Status PersistSubscriptionGroups();

  // Called (outside locks) after topics change through Import (a slave copying its
  // master), so the broker publishes its new registration. Set before Start of the
  // replicator.
  void SetTopicsImportedListener(std::function<void()> listener);

  // BrokerMetadata.
  std::string Export(MetadataKind kind) const override;
  Status Import(MetadataKind kind, std::string_view json) override;

 private:
  Status WriteTopicsIfChanged();

  BrokerSettings settings_;
  Clock& clock_;
  const Duration topics_persist_interval_;
  MetadataStore files_;
  TopicConfigManager topics_;
  ConsumerOffsetManager offsets_;
  DelayOffsetTable delay_offsets_;
  SubscriptionGroupTable groups_;

  std::mutex load_mutex_;
  bool loaded_ = false;
  Status load_status_;

  std::mutex topics_file_mutex_;                // held during a write (fsyncs)
  std::uint64_t persisted_topics_changes_ = 0;  // guarded by topics_file_mutex_
  // Apart from the file mutex, so the hot path never waits for a write in progress.
  mutable std::mutex topics_status_mutex_;
  std::uint64_t topics_writes_ = 0;  // guarded by topics_status_mutex_
  Status last_topics_write_;         // guarded by topics_status_mutex_
  std::mutex timer_mutex_;
  TimerPtr topics_timer_;  // guarded by timer_mutex_
  bool stopped_ = false;   // guarded by timer_mutex_
  std::mutex offsets_file_mutex_;
  std::uint64_t persisted_offsets_version_ = 0;  // guarded by offsets_file_mutex_
  std::mutex delay_file_mutex_;
  std::uint64_t persisted_delay_version_ = 0;  // guarded by delay_file_mutex_
  std::mutex groups_file_mutex_;

  std::mutex listener_mutex_;
  std::function<void()> topics_imported_;
};

}  // namespace quiver::broker
