#include "commit_log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "quiver/protocol/message_record.h"

namespace quiver::storage::commitlog {
namespace fs = std::filesystem;
namespace {
// How far ahead of the write position pages are pre-faulted (and how much of the spare
// segment's head): ~60 ms of runway at 1 GB/s, and a bounded amount of zero-filled page
// cache.
constexpr std::size_t kPrepareWindow = 64 << 20;
}  // namespace

std::string OffsetFileName(std::int64_t offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(offset));
  return name;
}

CommitLog::CommitLog(std::string dir, std::size_t segment_size, HugePages huge_pages,
                     WritePath write_path)
    : dir_(std::move(dir)),
      segment_size_(segment_size),
      huge_pages_(huge_pages),
      write_path_(write_path) {}

CommitLog::~CommitLog() { StopPreparing(); }

void CommitLog::StartPreparing(std::shared_ptr<spdlog::logger> logger) {
  if (preparer_) return;
  preparer_ = std::make_unique<SegmentPreparer>(
      segment_size_, kPrepareWindow, [this](std::int64_t offset) { return SegmentFor(offset); },
      [this](std::int64_t start) { return PathFor(start); }, std::move(logger), huge_pages_,
      write_path_);
  preparer_->Start(write_position());
}

void CommitLog::StopPreparing() {
  if (!preparer_) return;
  preparer_->Stop();
  preparer_.reset();
}

std::string CommitLog::PathFor(std::int64_t start) const {
  return dir_ + "/" + OffsetFileName(start);
}

Status CommitLog::Load() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return InternalError("cannot create directory " + dir_ + ": " + ec.message());
  std::vector<std::int64_t> starts;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    bool numeric = name.size() == 20 && std::all_of(name.begin(), name.end(), ::isdigit);
    if (!numeric) {
      if (name.ends_with(".tmp")) {
        // A spare segment prepared ahead of the writer and never taken: zeros, not data.
        std::error_code removed;
        fs::remove(entry.path(), removed);
        if (removed) {
          return InternalError("cannot remove " + entry.path().string() + ": " + removed.message());
        }
        continue;
      }
      return DataLossError("unexpected file " + entry.path().string() +
                           " in the commit-log directory (segment files are named by a "
                           "20-digit offset)");
    }
    std::int64_t start = std::stoll(name);
    if (start % static_cast<std::int64_t>(segment_size_) != 0) {
      return DataLossError("commit-log segment " + entry.path().string() +
                           " does not start at a multiple of segment_size " +
                           std::to_string(segment_size_) +
                           " (was segment_size changed? it must stay the same for a store)");
    }
    starts.push_back(start);
  }
  if (ec) return InternalError("cannot list " + dir_ + ": " + ec.message());
  std::sort(starts.begin(), starts.end());
  std::vector<std::shared_ptr<MappedFile>> segments;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    if (i > 0 && starts[i] != starts[i - 1] + static_cast<std::int64_t>(segment_size_)) {
      return DataLossError("commit-log segments are not contiguous: " + PathFor(starts[i - 1]) +
                           " is followed by " + PathFor(starts[i]));
    }
    auto segment = MappedFile::Open(PathFor(starts[i]), starts[i], segment_size_,
                                    Preallocate(i + 1 == starts.size()));
    if (!segment.ok()) return segment.status();
    if (huge_pages_) (*segment)->AdviseHugePages();
    segments.push_back(std::move(segment).value());
  }
  std::lock_guard lock(segments_mu_);
  segments_ = std::move(segments);
  write_position_.store(segments_.empty() ? 0 : segments_.back()->end());
  return Status::Ok();
}

std::int64_t CommitLog::min_offset() const {
  std::lock_guard lock(segments_mu_);
  if (segments_.empty()) return write_position();
  return segments_.front()->start();
}

std::shared_ptr<MappedFile> CommitLog::SegmentFor(std::int64_t offset) const {
  std::lock_guard lock(segments_mu_);
  if (segments_.empty() || offset < segments_.front()->start()) return nullptr;
  std::size_t index =
      static_cast<std::size_t>((offset - segments_.front()->start()) / segment_size_);
  if (index >= segments_.size()) return nullptr;
  return segments_[index];
}

std::vector<std::shared_ptr<MappedFile>> CommitLog::Segments() const {
  std::lock_guard lock(segments_mu_);
  return segments_;
}

StatusOr<std::shared_ptr<MappedFile>> CommitLog::CreateSegment(std::int64_t start) {
  std::shared_ptr<MappedFile> segment = preparer_ ? preparer_->Take(start) : nullptr;
  if (segment) {
    // Its name makes the spare part of the log; the directory sync below makes that durable.
    Status renamed = segment->RenameTo(PathFor(start));
    if (!renamed.ok()) {
      segment->Unlink();
      return renamed;
    }
  } else {
    // Created and preallocated under a temporary name (not the preparer's <start>.tmp, which
    // it may be creating right now), then renamed: a crash in between leaves a .tmp file that
    // Load removes, never a short segment under a segment's name.
    QUIVER_ASSIGN_OR_RETURN(segment, MappedFile::Create(PathFor(start) + ".writer.tmp", start,
                                                        segment_size_, Preallocate::kYes));
    Status renamed = segment->RenameTo(PathFor(start));
    if (!renamed.ok()) {
      segment->Unlink();
      return renamed;
    }
    if (huge_pages_) segment->AdviseHugePages();
  }
  Status dir_synced = SyncDirectory(dir_);
  if (!dir_synced.ok()) return dir_synced;
  std::lock_guard lock(segments_mu_);
  segments_.push_back(segment);
  return segment;
}

StatusOr<WriteSlot> CommitLog::Reserve(std::size_t size) {
  if (size + protocol::kBlankMarkerSize > segment_size_) {
    return InvalidArgumentError("a write of " + std::to_string(size) +
                                " bytes cannot fit in a commit-log segment of " +
                                std::to_string(segment_size_) + " bytes");
  }
  std::int64_t pos = write_position();
  std::shared_ptr<MappedFile> segment;
  {
    std::lock_guard lock(segments_mu_);
    if (!segments_.empty() && segments_.back()->end() > pos) segment = segments_.back();
  }
  if (!segment) {
    // No segment holds the write position (a fresh store, or the previous one was filled).
    std::int64_t start =
        pos / static_cast<std::int64_t>(segment_size_) * static_cast<std::int64_t>(segment_size_);
    QUIVER_ASSIGN_OR_RETURN(segment, CreateSegment(start));
  }
  std::size_t in_segment = static_cast<std::size_t>(pos - segment->start());
  std::size_t remaining = segment->size() - in_segment;
  if (size + protocol::kBlankMarkerSize > remaining) {
    // Create the next segment first: if the disk is full nothing at all is written.
    QUIVER_ASSIGN_OR_RETURN(auto next, CreateSegment(segment->end()));
    std::uint8_t marker[protocol::kBlankMarkerSize];
    auto put32 = [](std::uint8_t* p, std::uint32_t v) {
      p[0] = static_cast<std::uint8_t>(v >> 24);
      p[1] = static_cast<std::uint8_t>(v >> 16);
      p[2] = static_cast<std::uint8_t>(v >> 8);
      p[3] = static_cast<std::uint8_t>(v);
    };
    put32(marker, static_cast<std::uint32_t>(remaining));
    put32(marker + 4, static_cast<std::uint32_t>(protocol::kBlankMagic));
    WriteDirect(*segment, pos, marker);
    segment = std::move(next);
    pos = segment->start();
    in_segment = 0;
  }
  if (write_path_ == WritePath::kPwrite) {
    if (staging_.size() < size) staging_.resize(size);
    return WriteSlot{pos, staging_.data(), std::move(segment)};
  }
  return WriteSlot{pos, segment->data() + in_segment, std::move(segment)};
}

Status CommitLog::Commit(const WriteSlot& slot, std::size_t size) {
  if (write_path_ == WritePath::kMapped || size == 0) return Status::Ok();
  if (preparer_) preparer_->BeforeWrite(slot.offset + static_cast<std::int64_t>(size));
  return slot.segment->WriteAt(static_cast<std::size_t>(slot.offset - slot.segment->start()),
                               std::span<const std::uint8_t>(slot.data, size));
}

void CommitLog::WriteDirect(MappedFile& segment, std::int64_t offset,
                            std::span<const std::uint8_t> bytes) {
  // Through the mapping on both paths: it cannot fail (the space is preallocated), and it is
  // rare (a blank marker per segment), so its write fault does not matter.
  if (preparer_) preparer_->BeforeWrite(offset + static_cast<std::int64_t>(bytes.size()));
  std::memcpy(segment.data() + (offset - segment.start()), bytes.data(), bytes.size());
}

StatusOr<std::int64_t> CommitLog::CutAt(std::int64_t offset) {
  std::vector<std::shared_ptr<MappedFile>> removed;
  std::shared_ptr<MappedFile> keep;
  {
    std::lock_guard lock(segments_mu_);
    while (!segments_.empty() && segments_.back()->start() >= offset &&
           !(segments_.back()->start() == offset && segments_.size() == 1)) {
      removed.push_back(segments_.back());
      segments_.pop_back();
    }
    if (!segments_.empty() && segments_.back()->end() > offset) keep = segments_.back();
  }
  std::int64_t discarded = 0;
  for (auto& segment : removed) {
    std::size_t nonzero = 0;
    for (std::size_t i = segment->size(); i > 0; --i) {
      if (segment->data()[i - 1] != 0) {
        nonzero = i;
        break;
      }
    }
    discarded += static_cast<std::int64_t>(nonzero);
    segment->Unlink();
  }
  removed.clear();
  if (keep) {
    std::size_t from = static_cast<std::size_t>(offset - keep->start());
    discarded += static_cast<std::int64_t>(keep->ZeroFrom(from));
    Status synced = keep->Sync(from, keep->size());
    if (!synced.ok()) return synced;
  }
  Status dir_synced = SyncDirectory(dir_);
  if (!dir_synced.ok()) return dir_synced;
  write_position_.store(offset, std::memory_order_release);
  return discarded;
}

Status CommitLog::Sync(std::int64_t from, std::int64_t to) const {
  while (from < to) {
    auto segment = SegmentFor(from);
    if (!segment) return Status::Ok();  // deleted by retention: nothing left to sync
    std::int64_t end = std::min(to, segment->end());
    Status s = write_path_ == WritePath::kPwrite
                   ? segment->DataSync()
                   : segment->Sync(static_cast<std::size_t>(from - segment->start()),
                                   static_cast<std::size_t>(end - segment->start()));
    if (!s.ok()) return s;
    from = end;
  }
  return Status::Ok();
}

bool CommitLog::DeleteOldestSegment(std::int64_t* deleted_end) {
  std::shared_ptr<MappedFile> victim;
  {
    std::lock_guard lock(segments_mu_);
    if (segments_.size() < 2) return false;  // never the segment being written
    if (segments_.front()->end() > write_position()) return false;
    // One reference is ours; any other belongs to a reader's Buffer.
    if (segments_.front().use_count() > 1) return false;
    victim = segments_.front();
    segments_.erase(segments_.begin());
  }
  *deleted_end = victim->end();
  victim->Unlink();
  return true;
}

}  // namespace quiver::storage::commitlog
