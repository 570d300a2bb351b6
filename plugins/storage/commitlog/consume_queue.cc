#include "consume_queue.h"

#include <sys/mman.h>

#include <algorithm>
#include <filesystem>

#include "commit_log.h"
#include "status_macros.h"

namespace quiver::storage::commitlog {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kAllocateChunk = 64 * 1024;
constexpr std::int64_t kPageBytes = 4096;

// A new queue reserves (and pre-faults) one page; each later chunk is as large as what the
// file already holds, up to kAllocateChunk. With a thousand topics x 8 queues most queues
// hold a few dozen entries, and a fixed 64 KiB chunk per queue cost 16 page faults each.
std::int64_t ChunkFor(std::int64_t bytes_in_file) {
  return std::clamp<std::int64_t>(bytes_in_file, kPageBytes,
                                  static_cast<std::int64_t>(kAllocateChunk));
}

// No read-around on page faults: the kernel otherwise reads (for a hole: zeroes) a large
// folio around each first touch of a sparse file, ~15 ms per new queue file measured here
// (docs/BENCHMARKS.md, "Many topics"). Entries are written and read page by page anyway.
// Best effort: only speed depends on it.
void AdviseNoReadAround(const MappedFile& file) {
  (void)::madvise(file.data(), file.size(), MADV_RANDOM);
}

void PutI64(std::uint8_t* p, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(u >> (56 - 8 * i));
}
std::int64_t GetI64(const std::uint8_t* p) {
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
  return static_cast<std::int64_t>(u);
}
std::int32_t GetI32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

QueueEntry ReadEntry(const std::uint8_t* p) {
  return QueueEntry{CommitLogOffset(GetI64(p)), GetI32(p + 8), GetI64(p + 12)};
}

}  // namespace

ConsumeQueue::ConsumeQueue(std::string dir, std::string topic, QueueId queue_id,
                           std::int64_t entries_per_file)
    : dir_(std::move(dir)),
      topic_(std::move(topic)),
      queue_id_(queue_id),
      entries_per_file_(entries_per_file) {}

Status ConsumeQueue::Load() {
  std::error_code ec;
  std::vector<std::int64_t> starts;
  if (fs::exists(dir_, ec)) {
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      std::string name = entry.path().filename().string();
      if (name.ends_with(".tmp")) {
        // A file being created (FileForWrite) when the process died: it never held an entry.
        fs::remove(entry.path(), ec);
        continue;
      }
      bool numeric = name.size() == 20 && std::all_of(name.begin(), name.end(), ::isdigit);
      if (!numeric || std::stoll(name) % FileBytes() != 0) {
        return DataLossError("unexpected file " + entry.path().string() +
                             " in a consume-queue directory (files are named by a 20-digit "
                             "byte offset that is a multiple of " +
                             std::to_string(FileBytes()) + ")");
      }
      starts.push_back(std::stoll(name));
    }
  }
  std::sort(starts.begin(), starts.end());
  std::vector<std::shared_ptr<MappedFile>> files;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    if (i > 0 && starts[i] != starts[i - 1] + FileBytes()) {
      // A gap: keep only the files before it (later entries are rebuilt by recovery).
      for (std::size_t j = i; j < starts.size(); ++j) {
        fs::remove(dir_ + "/" + OffsetFileName(starts[j]), ec);
      }
      break;
    }
    auto file = MappedFile::Open(dir_ + "/" + OffsetFileName(starts[i]), starts[i],
                                 static_cast<std::size_t>(FileBytes()), Preallocate::kNo);
    if (!file.ok()) return file.status();
    AdviseNoReadAround(**file);
    files.push_back(std::move(file).value());
  }
  std::int64_t min = 0, max = 0;
  if (!files.empty()) {
    // min: the first written entry of the first file; max: the first unwritten entry
    // after it (in the last file that has any).
    const auto& first = files.front();
    std::int64_t n = entries_per_file_;
    std::int64_t i = 0;
    while (i < n && GetI32(first->data() + i * kConsumeQueueEntrySize + 8) == 0) ++i;
    min = first->start() / static_cast<std::int64_t>(kConsumeQueueEntrySize) + i;
    max = min;
    for (const auto& file : files) {
      std::int64_t base = file->start() / static_cast<std::int64_t>(kConsumeQueueEntrySize);
      std::int64_t j = std::max<std::int64_t>(0, max - base);
      if (j >= n && max > base) continue;
      if (max < base) break;
      while (j < n && GetI32(file->data() + j * kConsumeQueueEntrySize + 8) > 0) ++j;
      max = base + j;
      if (j < n) break;
    }
  }
  ForgetTail();
  std::lock_guard lock(files_mu_);
  files_ = std::move(files);
  min_offset_.store(min);
  max_offset_.store(max);
  synced_offset_ = max;
  return Status::Ok();
}

std::shared_ptr<MappedFile> ConsumeQueue::FileFor(std::int64_t byte_offset) const {
  std::lock_guard lock(files_mu_);
  if (files_.empty() || byte_offset < files_.front()->start()) return nullptr;
  auto index = static_cast<std::size_t>((byte_offset - files_.front()->start()) / FileBytes());
  if (index >= files_.size()) return nullptr;
  return files_[index];
}

std::optional<QueueEntry> ConsumeQueue::Get(QueueOffset offset) const {
  if (offset < min_offset() || offset >= max_offset()) return std::nullopt;
  std::int64_t byte = offset.value() * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  auto file = FileFor(byte);
  if (!file) return std::nullopt;
  return ReadEntry(file->data() + (byte - file->start()));
}

StatusOr<std::shared_ptr<MappedFile>> ConsumeQueue::FileForWrite(std::int64_t byte_offset) {
  if (auto file = FileFor(byte_offset)) return file;
  std::int64_t start = byte_offset / FileBytes() * FileBytes();
  {
    std::lock_guard lock(files_mu_);
    if (!files_.empty() && start != files_.back()->end()) {
      return InternalError("consume queue " + dir_ + ": write at byte " +
                           std::to_string(byte_offset) + " is not next to the last file");
    }
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return InternalError("cannot create directory " + dir_ + ": " + ec.message());
  // Created and sized under a temporary name, then renamed: a crash in between leaves a .tmp
  // file that Load removes, never a short file under a queue file's name.
  const std::string path = dir_ + "/" + OffsetFileName(start);
  auto file = MappedFile::Create(path + ".tmp", start, static_cast<std::size_t>(FileBytes()),
                                 Preallocate::kNo);
  if (!file.ok()) return file.status();
  if (Status renamed = (*file)->RenameTo(path); !renamed.ok()) {
    (*file)->Unlink();
    return renamed;
  }
  AdviseNoReadAround(**file);
  std::lock_guard lock(files_mu_);
  files_.push_back(*file);
  return file;
}

Status ConsumeQueue::Reserve(std::int64_t count) {
  std::int64_t from = max_offset_.load() * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  std::int64_t to = from + count * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  // The common case on the append path: the tail file already has room (no lock taken).
  if (tail_ && from >= tail_->start() && to <= tail_reserved_) return Status::Ok();
  while (from < to) {
    QUIVER_ASSIGN_OR_RETURN(auto file, FileForWrite(from));
    std::int64_t end = std::min(to, file->end());
    // Reserve (and pre-fault, one madvise instead of a page fault per 204 entries) a chunk
    // ahead, so that the next appends find their room already there.
    const std::int64_t chunk = ChunkFor(from - file->start());
    const std::int64_t chunk_end =
        std::min<std::int64_t>(file->end(), std::max<std::int64_t>(end, from + chunk));
    Status s = file->EnsureAllocated(static_cast<std::size_t>(chunk_end - file->start()),
                                     static_cast<std::size_t>(chunk));
    if (!s.ok()) return s;
    // Only speed depends on it: on failure the writes fault the pages in themselves.
    (void)file->Populate(static_cast<std::size_t>(from - file->start()),
                         static_cast<std::size_t>(chunk_end - file->start()));
    tail_ = file;
    tail_reserved_ = chunk_end;
    from = end;
  }
  return Status::Ok();
}

void ConsumeQueue::WriteEntry(std::int64_t offset, const QueueEntry& entry) {
  std::int64_t byte = offset * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  std::shared_ptr<MappedFile> other;
  MappedFile* file = tail_.get();
  if (file == nullptr || byte < file->start() || byte >= file->end()) {
    other = FileFor(byte);
    file = other.get();
  }
  std::uint8_t* p = file->data() + (byte - file->start());
  PutI64(p, entry.physical_offset.value());
  std::uint32_t size = static_cast<std::uint32_t>(entry.size);
  p[8] = static_cast<std::uint8_t>(size >> 24);
  p[9] = static_cast<std::uint8_t>(size >> 16);
  p[10] = static_cast<std::uint8_t>(size >> 8);
  p[11] = static_cast<std::uint8_t>(size);
  PutI64(p + 12, entry.tags_code);
}

void ConsumeQueue::Append(const QueueEntry& entry) {
  std::int64_t offset = max_offset_.load(std::memory_order_relaxed);
  WriteEntry(offset, entry);
  max_offset_.store(offset + 1, std::memory_order_release);
}

Status ConsumeQueue::Put(QueueOffset offset, const QueueEntry& entry) {
  std::int64_t max = max_offset_.load();
  std::int64_t min = min_offset_.load();
  if (max == min && offset.value() != max) {
    // An empty queue starts wherever its first entry is.
    COMMITLOG_RETURN_IF_ERROR(Reset());
    min_offset_.store(offset.value());
    max_offset_.store(offset.value());
    synced_offset_ = offset.value();
    max = offset.value();
  } else if (offset.value() < max) {
    if (offset.value() < min) return Status::Ok();  // below retention: nothing to index
    Status s = TruncateTo(offset);
    if (!s.ok()) return s;
  } else if (offset.value() > max) {
    return FailedPreconditionError(
        "consume queue " + topic_ + "/" + std::to_string(queue_id_.value()) + ": entry " +
        std::to_string(offset.value()) + " would leave a gap after " + std::to_string(max));
  }
  Status reserved = Reserve(1);
  if (!reserved.ok()) return reserved;
  Append(entry);
  return Status::Ok();
}

Status ConsumeQueue::TruncateTo(QueueOffset offset) {
  std::int64_t max = max_offset_.load();
  if (offset.value() >= max) return Status::Ok();
  std::int64_t from = std::max(offset.value(), min_offset_.load());
  std::int64_t byte = from * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  std::vector<std::shared_ptr<MappedFile>> removed;
  {
    std::lock_guard lock(files_mu_);
    while (!files_.empty() && files_.back()->start() > byte) {
      removed.push_back(files_.back());
      files_.pop_back();
    }
  }
  ForgetTail();
  for (auto& file : removed) file->Unlink();
  max_offset_.store(from, std::memory_order_release);
  if (min_offset_.load() > from) min_offset_.store(from);
  if (auto file = FileFor(byte)) {
    std::size_t at = static_cast<std::size_t>(byte - file->start());
    file->ZeroFrom(at);
    Status s = file->Sync(at, file->size());
    if (!s.ok()) return s;
  }
  if (synced_offset_.load() > from) synced_offset_.store(from);
  return Status::Ok();
}

Status ConsumeQueue::TruncateFromPhysical(CommitLogOffset physical_offset) {
  std::int64_t max = max_offset_.load();
  std::int64_t min = min_offset_.load();
  std::int64_t keep = max;
  while (keep > min) {
    auto entry = Get(QueueOffset(keep - 1));
    if (entry && entry->physical_offset < physical_offset) break;
    --keep;
  }
  if (keep == max) return Status::Ok();
  return TruncateTo(QueueOffset(keep));
}

void ConsumeQueue::DropBelowPhysical(CommitLogOffset min_physical) {
  std::int64_t min = min_offset_.load();
  std::int64_t max = max_offset_.load();
  // Binary search for the first entry whose record is still present.
  std::int64_t lo = min, hi = max;
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    auto entry = Get(QueueOffset(mid));
    if (entry && entry->physical_offset < min_physical) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == min) return;
  min_offset_.store(lo, std::memory_order_release);
  ForgetTail();
  std::int64_t byte = lo * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  std::vector<std::shared_ptr<MappedFile>> removed;
  {
    std::lock_guard lock(files_mu_);
    // Keep at least the file the next entry goes into.
    while (files_.size() > 1 && files_.front()->end() <= byte) {
      removed.push_back(files_.front());
      files_.erase(files_.begin());
    }
  }
  for (auto& file : removed) file->Unlink();
}

void ConsumeQueue::ForgetTail() {
  tail_.reset();
  tail_reserved_ = 0;
}

Status ConsumeQueue::Reset() {
  ForgetTail();
  std::vector<std::shared_ptr<MappedFile>> removed;
  {
    std::lock_guard lock(files_mu_);
    removed.swap(files_);
  }
  for (auto& file : removed) file->Unlink();
  min_offset_.store(0);
  max_offset_.store(0);
  synced_offset_ = 0;
  return Status::Ok();
}

Status ConsumeQueue::Sync() {
  std::int64_t max = max_offset_.load(std::memory_order_acquire);
  std::int64_t from = synced_offset_.load() * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  std::int64_t to = max * static_cast<std::int64_t>(kConsumeQueueEntrySize);
  while (from < to) {
    auto file = FileFor(from);
    if (!file) break;
    std::int64_t end = std::min(to, file->end());
    Status s = file->Sync(static_cast<std::size_t>(from - file->start()),
                          static_cast<std::size_t>(end - file->start()));
    if (!s.ok()) return s;
    from = end;
  }
  synced_offset_ = max;
  return Status::Ok();
}

std::int64_t ConsumeQueue::file_count() const {
  std::lock_guard lock(files_mu_);
  return static_cast<std::int64_t>(files_.size());
}

}  // namespace quiver::storage::commitlog
