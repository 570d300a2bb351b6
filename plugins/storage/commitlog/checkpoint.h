#pragma once
// The checkpoint file: one 4 KiB page in RocketMQ's layout (rocketmq-protocol.md §5.4),
// i64 big-endian: physicMsgTimestamp @0, logicsMsgTimestamp @8, indexMsgTimestamp @16,
// masterFlushedOffset @24, confirmPhyOffset @32; Quiver adds @40 the flushed commit-log
// offset, @48 the commit-log offset below which every consume-queue entry is on disk,
// @56 the number of consume queues, and @64 a magic (0x51564350 "QVCP") marking these
// fields valid. Written by write + fdatasync to a temp file, then renamed.

#include <cstdint>
#include <optional>
#include <string>

#include "quiver/status.h"

namespace quiver::storage::commitlog {

struct Checkpoint {
  std::int64_t physic_timestamp_ms = 0;
  std::int64_t logics_timestamp_ms = 0;
  std::int64_t flushed_offset = 0;
  std::int64_t consume_queue_offset = 0;
  std::int64_t queue_count = 0;
};

// nullopt when the file is absent or not written by Quiver (then recovery scans fully).
std::optional<Checkpoint> ReadCheckpoint(const std::string& path);
Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);

}  // namespace quiver::storage::commitlog
