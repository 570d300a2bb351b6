#pragma once
// The broker's topic table and its DataVersion (RocketMQ's TopicConfigManager), in memory.
// Persistence and publication are the caller's (BrokerMetadataTables, BrokerProcessing).
//
// JSON shape (topics.json, GET_ALL_TOPIC_CONFIG body; rocketmq-protocol.md §3.2):
//   {"topicConfigTable":{"T":{"topicName":"T","readQueueNums":4,"writeQueueNums":4,
//     "perm":6,"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false}},
//    "dataVersion":{"stateVersion":0,"timestamp":1700000000000,"counter":3}}
//
// Thread safety: all methods, any thread (one mutex). Configs are immutable once in the
// table: a change replaces the entry, so a TopicConfigPtr handed out stays valid and
// unchanged however long its holder keeps it.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "quiver/clock.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::broker {

// RocketMQ's default topic: producers route to it for a topic no broker has yet, and the
// broker then creates the topic on first send. Present only with auto_create_topic.
inline constexpr std::string_view kAutoCreateTopicKey = "TBW102";
inline constexpr std::string_view kRetryGroupTopicPrefix = "%RETRY%";
inline constexpr std::string_view kDlqGroupTopicPrefix = "%DLQ%";

// OK when `topic` follows RocketMQ's rule: 1..255 characters of [%|a-zA-Z0-9_-] (127 for
// topics that are not retry/DLQ topics); else kInvalidArgument saying why.
Status ValidateTopicName(std::string_view topic);

using TopicConfigPtr = std::shared_ptr<const TopicConfig>;

class TopicConfigManager {
 public:
  explicit TopicConfigManager(Clock& clock) : clock_(clock) {}

  // Replaces the table from JSON. kInvalidArgument describing the first problem; the
  // table is unchanged then.
  Status LoadJson(std::string_view json);
  std::string ExportJson() const;

  // A copy of the topic's config (allocates for names over 15 characters).
  std::optional<TopicConfig> Find(std::string_view topic) const;
  // The topic's config without copying it (null when absent): for per-message lookups.
  TopicConfigPtr FindShared(std::string_view topic) const;
  std::map<std::string, TopicConfig> Snapshot() const;
  DataVersion data_version() const;
  // Counts every change of the table on this broker (Upsert, CreateIfAbsent, LoadJson),
  // unlike data_version(), which LoadJson may set back. Persistence compares it with the
  // value it last wrote.
  std::uint64_t change_count() const;

  // Creates or replaces `config`; bumps the data version when anything changed.
  // Returns whether it changed.
  bool Upsert(const TopicConfig& config);
  // Creates `config` unless its topic exists. Returns the topic's config afterwards and
  // whether it was created (the data version is bumped then).
  std::pair<TopicConfig, bool> CreateIfAbsent(const TopicConfig& config);

 private:
  void NextVersionLocked();

  // Hashes a topic name given as any string type, so a lookup by string_view (every
  // message's topic) neither allocates nor walks a tree of thousands of names.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  using Table = std::unordered_map<std::string, TopicConfigPtr, NameHash, std::equal_to<>>;

  Clock& clock_;
  mutable std::mutex mutex_;
  Table topics_;
  DataVersion data_version_;
  std::uint64_t change_count_ = 0;
};

// JSON of one TopicConfig (Java's field names), shared with the GET_ALL_TOPIC_CONFIG body.
std::string TopicConfigTableJson(const std::map<std::string, TopicConfig>& topics,
                                 const DataVersion& version);

}  // namespace quiver::broker
