// Recovery at Open (rocketmq-protocol.md §5.6): find where the valid commit log ends, cut
// everything after it, and make the consume queues agree with the commit log.
//
// Which records are scanned: from the start of the third-last segment (RocketMQ's normal
// recovery), or earlier — from the segment holding the checkpoint's consume-queue offset —
// after a crash (the abort marker was present), or from the first segment when there is no
// checkpoint or consume queues are missing. Every scanned record is checked (size, magic,
// physical offset field, CRC when check_crc_on_recover) and re-indexed when its consume
// queue entry is absent or points elsewhere.

#include <spdlog/logger.h>

#include <algorithm>

#include "checkpoint.h"
#include "quiver/protocol/message_record.h"
#include "status_macros.h"
#include "store.h"

namespace quiver::storage::commitlog {
namespace {

std::int32_t GetI32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

}  // namespace

// BODYCRC covers the body only, so a write torn inside the topic or properties passes the
// CRC when the missing bytes read as zeros. A complete record has a topic without NUL
// bytes and properties that are empty or end with the \x02 separator.
Status CheckComplete(const protocol::DecodedRecord& record) {
  if (record.topic.find('\0') != std::string_view::npos) {
    return DataLossError("the topic contains NUL bytes (a torn write)");
  }
  if (!record.properties.empty() && record.properties.back() != protocol::kPropertySeparator) {
    return DataLossError("the properties do not end with \\x02 (a torn write)");
  }
  return Status::Ok();
}

struct CommitLogStore::ScanResult {
  std::int64_t end = 0;        // one past the last valid record (or blank marker)
  std::string reason;          // why the scan stopped before the data ended ("" = clean end)
  std::int64_t records = 0;    // records checked
  std::int64_t reindexed = 0;  // consume-queue entries written
  bool gap = false;            // a queue needs entries from before the scanned range
};

StatusOr<CommitLogStore::ScanResult> CommitLogStore::ScanAndDispatch(std::size_t first_segment,
                                                                     bool full_scan) {
  ScanResult r;
  auto segments = log_->Segments();
  const protocol::CheckCrc check_crc(config_.check_crc_on_recover);
  r.end = segments[first_segment]->start();
  for (std::size_t si = first_segment; si < segments.size(); ++si) {
    const auto& segment = segments[si];
    std::size_t in = 0;
    const std::size_t size = segment->size();
    bool next_segment = false;
    while (true) {
      const std::int64_t pos = segment->start() + static_cast<std::int64_t>(in);
      if (in + 8 > size) {
        r.reason = "no room for a record or blank marker at offset " + std::to_string(pos);
        return r;
      }
      const std::uint8_t* p = segment->data() + in;
      std::int32_t total = GetI32(p);
      std::int32_t magic = GetI32(p + 4);
      if (total == 0 && magic == 0) return r;  // the end of the data
      if (magic == protocol::kBlankMagic) {
        if (static_cast<std::size_t>(total) != size - in) {
          r.reason = "blank marker at offset " + std::to_string(pos) + " says " +
                     std::to_string(total) + " bytes remain, but " + std::to_string(size - in) +
                     " do";
          return r;
        }
        r.end = segment->end();
        next_segment = true;
        break;
      }
      auto record = protocol::DecodeRecord(std::span<const std::uint8_t>(p, size - in), check_crc);
      if (!record.ok()) {
        r.reason =
            "invalid record at offset " + std::to_string(pos) + ": " + record.status().message();
        return r;
      }
      if (Status complete = CheckComplete(*record); !complete.ok()) {
        r.reason = "invalid record at offset " + std::to_string(pos) + ": " + complete.message();
        return r;
      }
      if (record->physical_offset.value() != pos) {
        r.reason = "the record at offset " + std::to_string(pos) + " says it belongs at " +
                   std::to_string(record->physical_offset.value()) + " (stale data)";
        return r;
      }
      if (in + static_cast<std::size_t>(record->total_size) + 8 > size) {
        r.reason = "the record at offset " + std::to_string(pos) +
                   " leaves no room for the segment's blank marker";
        return r;
      }
      ++r.records;
      // Index it unless its entry is already there.
      QUIVER_ASSIGN_OR_RETURN(ConsumeQueue * queue,
                              GetOrCreateQueue(std::string(record->topic), record->queue_id));
      const QueueOffset qoff = record->queue_offset;
      QueueEntry entry{CommitLogOffset(pos), record->total_size,
                       protocol::TagsCodeOf(record->properties)};
      bool indexed = false;
      if (qoff < queue->max_offset()) {
        auto existing = queue->Get(qoff);
        indexed = qoff < queue->min_offset() ||
                  (existing && existing->physical_offset == entry.physical_offset &&
                   existing->size == entry.size);
      }
      if (!indexed) {
        bool empty = queue->min_offset() == queue->max_offset();
        if (qoff > queue->max_offset() && !empty) {
          if (!full_scan) {
            r.gap = true;
            return r;
          }
          logger_->warn(
              "consume queue {}/{}: entries {} to {} are missing from the commit log; "
              "the queue restarts at {}",
              queue->topic(), queue->queue_id().value(), queue->max_offset().value(),
              qoff.value() - 1, qoff.value());
          COMMITLOG_RETURN_IF_ERROR(queue->Reset());
        }
        COMMITLOG_RETURN_IF_ERROR(queue->Put(qoff, entry));
        ++r.reindexed;
      }
      in += static_cast<std::size_t>(record->total_size);
      r.end = pos + record->total_size;
    }
    if (!next_segment) break;
  }
  return r;
}

Status CommitLogStore::Recover(bool unclean) {
  auto segments = log_->Segments();
  auto checkpoint = ReadCheckpoint(checkpoint_path_);
  std::int64_t queue_count;
  {
    std::shared_lock lock(queues_mu_);
    queue_count = static_cast<std::int64_t>(queues_.size());
  }
  if (segments.empty()) {
    std::shared_lock lock(queues_mu_);
    for (auto& [key, queue] : queues_) {
      COMMITLOG_RETURN_IF_ERROR(queue->TruncateFromPhysical(CommitLogOffset(log_->min_offset())));
    }
    return Status::Ok();
  }
  const bool missing_queues = !checkpoint || checkpoint->queue_count > queue_count;
  std::size_t first = segments.size() >= 3 ? segments.size() - 3 : 0;
  if (missing_queues) {
    first = 0;
  } else if (unclean) {
    std::int64_t from = std::min(checkpoint->consume_queue_offset, checkpoint->flushed_offset);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (segments[i]->end() > from) {
        first = std::min(first, i);
        break;
      }
    }
  }
  QUIVER_ASSIGN_OR_RETURN(ScanResult scan, ScanAndDispatch(first, /*full_scan=*/first == 0));
  if (scan.gap) {
    logger_->info(
        "recovery: a consume queue lags behind the scanned range; rescanning the "
        "whole commit log");
    first = 0;
    QUIVER_ASSIGN_OR_RETURN(scan, ScanAndDispatch(0, /*full_scan=*/true));
  }
  const std::int64_t data_end = log_->write_position();  // the end of the last segment
  if (unclean || !scan.reason.empty()) {
    QUIVER_ASSIGN_OR_RETURN(std::int64_t discarded, log_->CutAt(scan.end));
    if (!scan.reason.empty() || discarded > 0) {
      logger_->warn(
          "recovery: commit log cut at offset {} ({}); {} non-zero bytes after it "
          "discarded",
          scan.end, scan.reason.empty() ? "torn tail" : scan.reason, discarded);
    }
  } else {
    // Clean shutdown and a clean end: nothing after scan.end was ever written.
    std::vector<std::shared_ptr<MappedFile>> keep = log_->Segments();
    if (keep.back()->start() > scan.end) {
      QUIVER_ASSIGN_OR_RETURN(std::int64_t discarded, log_->CutAt(scan.end));
      (void)discarded;
    } else {
      log_->Publish(scan.end);
    }
  }
  (void)data_end;
  std::int64_t truncated_entries = 0;
  {
    std::shared_lock lock(queues_mu_);
    for (auto& [key, queue] : queues_) {
      std::int64_t before = queue->max_offset().value();
      COMMITLOG_RETURN_IF_ERROR(queue->TruncateFromPhysical(CommitLogOffset(scan.end)));
      truncated_entries += before - queue->max_offset().value();
      queue->DropBelowPhysical(CommitLogOffset(log_->min_offset()));
      COMMITLOG_RETURN_IF_ERROR(queue->Sync());
    }
  }
  // What survived a process crash sits in the page cache; make it durable before anything
  // is acknowledged on top of it.
  COMMITLOG_RETURN_IF_ERROR(log_->Sync(segments[first]->start(), scan.end));
  if (unclean || scan.reindexed > 0 || truncated_entries > 0) {
    logger_->warn(
        "recovery ({} shutdown): checked {} records from offset {}; re-indexed {}, "
        "dropped {} consume-queue entries beyond the commit log; max offset {}",
        unclean ? "unclean" : "clean", scan.records, segments[first]->start(), scan.reindexed,
        truncated_entries, scan.end);
  }
  return WriteCheckpointNow(scan.end);
}

}  // namespace quiver::storage::commitlog
