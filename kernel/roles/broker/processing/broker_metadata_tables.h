#pragma once
// The broker's metadata: topic configs, consumer offsets and delay offsets, loaded from and
// persisted to store_dir/config/*.json (MetadataStore), and exchanged with replication
// plugins as JSON (quiver::BrokerMetadata: a slave imports its master's).
//
// The role assembly creates this first (the replication plugin's PluginContext needs it
// as `broker_metadata` before BrokerProcessing can be built), calls Load(), and keeps it
// alive longer than the replicator and BrokerProcessing.
//
// Thread safety: all methods, any thread. Persist* calls are serialised per file.

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

class BrokerMetadataTables final : public BrokerMetadata {
 public:
  BrokerMetadataTables(const BrokerSettings& settings, Clock& clock);

  // Reads topics.json, consumerOffset.json, delayOffset.json and subscriptionGroup.json
  // (absent files = empty
  // tables) and adds TBW102 when auto_create_topic is on. kDataLoss naming the file when
  // one is corrupt ("corrupt broker metadata file /d/config/topics.json: invalid JSON at
  // offset 1: ... ; repair or remove it"). Idempotent: later calls return the first result.
  Status Load();

  TopicConfigManager& topics() { return topics_; }
  ConsumerOffsetManager& consumer_offsets() { return offsets_; }
  const DelayOffsetTable& delay_offsets() const { return delay_offsets_; }
  DelayOffsetTable& delay_offsets() { return delay_offsets_; }
  // Kept on this broker only: BrokerMetadata has no kind for it yet, so a slave does not
  // copy its master's groups (it creates them from its own consumers' heartbeats).
  SubscriptionGroupTable& subscription_groups() { return groups_; }

  // Writes topics.json now.
  Status PersistTopics();
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
  BrokerSettings settings_;
  MetadataStore files_;
  TopicConfigManager topics_;
  ConsumerOffsetManager offsets_;
  DelayOffsetTable delay_offsets_;
  SubscriptionGroupTable groups_;

  std::mutex load_mutex_;
  bool loaded_ = false;
  Status load_status_;

  std::mutex topics_file_mutex_;
  std::mutex offsets_file_mutex_;
  std::uint64_t persisted_offsets_version_ = 0;  // guarded by offsets_file_mutex_
  std::mutex delay_file_mutex_;
  std::uint64_t persisted_delay_version_ = 0;  // guarded by delay_file_mutex_
  std::mutex groups_file_mutex_;

  std::mutex listener_mutex_;
  std::function<void()> topics_imported_;
};

}  // namespace quiver::broker
