// Retention (rocketmq-protocol.md §5.5): whole commit-log segments are deleted when they
// are older than file_reserved_time and the hour is delete_when, or at any hour while the
// disk is fuller than disk_max_used_ratio (RocketMQ's diskMaxUsedSpaceRatio). Only above
// disk_force_clean_ratio (diskSpaceCleanForciblyRatio) does a segment go before it expires:
// a shared disk that is merely busy must not cost unconsumed messages. Never the segment
// being written, never one a
// reader's Buffer still points into; consume-queue files wholly below the new min offset
// go with them.

#include <sys/stat.h>

#include <ctime>

#include <spdlog/logger.h>

#include "store.h"

namespace quiver::storage::commitlog {
namespace {
constexpr int kMaxDeletionsPerRun = 10;
}

int CommitLogStore::RunRetention(std::int64_t now_ms, int disk_used_percent) {
  if (!open_) return 0;
  std::time_t now_s = static_cast<std::time_t>(now_ms / 1000);
  std::tm local{};
  ::localtime_r(&now_s, &local);
  const bool delete_hour = local.tm_hour == config_.delete_when_hour;
  const bool disk_busy = disk_used_percent > config_.disk_max_used_ratio;
  const bool disk_full = disk_used_percent > config_.disk_force_clean_ratio;
  if (!delete_hour && !disk_busy && !disk_full) return 0;
  const std::int64_t reserved_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.file_reserved_time).count();
  int deleted = 0;
  while (deleted < kMaxDeletionsPerRun) {
    auto segments = log_->Segments();
    if (segments.size() < 2) break;
    struct stat st {};
    if (::stat(segments.front()->path().c_str(), &st) != 0) break;
    std::int64_t mtime_ms =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    bool expired = now_ms - mtime_ms >= reserved_ms;
    // A full disk deletes the oldest segment whatever its age (RocketMQ's forced cleaning),
    // one per run; expiry deletes every expired one.
    if (!expired && !(disk_full && deleted == 0)) break;
    std::int64_t end = 0;
    std::string path = segments.front()->path();
    segments.clear();
    if (!log_->DeleteOldestSegment(&end)) {
      logger_->info("retention: {} is still being read; deleting it later", path);
      break;
    }
    logger_->info("retention: deleted {} ({}, disk {}% used)", path,
                  expired ? "expired" : "disk over disk_force_clean_ratio", disk_used_percent);
    ++deleted;
  }
  if (deleted > 0) {
    std::lock_guard lock(append_mu_);
    std::shared_lock queues_lock(queues_mu_);
    for (auto& [key, queue] : queues_) {
      queue->DropBelowPhysical(CommitLogOffset(log_->min_offset()));
    }
  }
  return deleted;
}

}  // namespace quiver::storage::commitlog
