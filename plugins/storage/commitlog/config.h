#pragma once
// [storage.commitlog] settings (README.md lists them with their defaults).

#include <chrono>
#include <cstdint>
#include <string>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/status.h"

namespace quiver::storage::commitlog {

enum class FlushMode { kAsync, kSync };

struct CommitLogConfig {
  std::uint64_t segment_size = 1ull << 30;
  FlushMode flush = FlushMode::kAsync;
  Duration flush_interval = std::chrono::milliseconds(500);
  std::int64_t flush_min_pages = 4;
  // Async flush also flushes whatever is dirty at least this often (RocketMQ: 10 s).
  Duration flush_thorough_interval = std::chrono::seconds(10);
  Duration sync_flush_timeout = std::chrono::seconds(5);
  // Sync flush: before a sync, wait until as many requests are waiting as the previous sync
  // completed, at most this long and at most half the previous sync's time (Flusher); zero
  // turns gathering off.
  Duration sync_flush_gather = std::chrono::milliseconds(1);
  Duration file_reserved_time = std::chrono::hours(72);
  int delete_when_hour = 4;
  int disk_max_used_ratio = 75;     // above: expired segments go at any hour
  int disk_force_clean_ratio = 85;  // above: the oldest segment goes whatever its age
  std::int64_t consume_queue_entries_per_file = 300000;
  bool check_crc_on_recover = true;
  // How often retention runs (RocketMQ cleanResourceInterval).
  Duration retention_check_interval = std::chrono::seconds(10);
};

// Reads every supported key of `view`. kInvalidArgument with the key's position when a
// value has the wrong type or is out of range.
StatusOr<CommitLogConfig> ParseConfig(const ConfigView& view);

}  // namespace quiver::storage::commitlog
