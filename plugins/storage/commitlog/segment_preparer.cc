#include "segment_preparer.h"

#include <algorithm>

#include <spdlog/logger.h>

namespace quiver::storage::commitlog {
namespace {
// Populated per madvise call, so that prepared_to_ (and the writer's view of the runway)
// advances steadily instead of once per window.
constexpr std::int64_t kPopulateChunk = 4 << 20;
// Zero-filled (WritePath::kPwrite) per round: until the round's own sync, the chunk's pages
// are dirty and a sync-flush round would write them too, delaying its acknowledgements by
// the time the disk takes for the chunk; so keep chunks small.
constexpr std::int64_t kZeroFillChunk = 1 << 20;
}  // namespace

SegmentPreparer::SegmentPreparer(std::size_t segment_size, std::size_t window,
                                 SegmentFor segment_for, PathFor path_for,
                                 std::shared_ptr<spdlog::logger> logger, HugePages huge_pages,
                                 WritePath write_path)
    : segment_size_(static_cast<std::int64_t>(segment_size)),
      window_(static_cast<std::int64_t>(std::min(window, segment_size))),
      segment_for_(std::move(segment_for)),
      path_for_(std::move(path_for)),
      logger_(std::move(logger)),
      huge_pages_(huge_pages),
      write_path_(write_path) {}

SegmentPreparer::~SegmentPreparer() { Stop(); }

void SegmentPreparer::Start(std::int64_t write_position) {
  write_position_.store(write_position, std::memory_order_relaxed);
  prepared_to_.store(write_position, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    wake_ = true;  // prepare at once: the first roll may be near
  }
  thread_ = std::thread([this] { Loop(); });
}

void SegmentPreparer::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  std::shared_ptr<MappedFile> spare;
  {
    std::lock_guard lock(mu_);
    spare.swap(spare_);
  }
  if (spare) spare->Unlink();
}

void SegmentPreparer::Advance(std::int64_t write_position) {
  write_position_.store(write_position, std::memory_order_relaxed);
  if (write_position + window_ / 2 <= prepared_to_.load(std::memory_order_relaxed)) return;
  // A round is already due: no read-modify-write per append while the thread catches up.
  if (signalled_.load(std::memory_order_relaxed)) return;
  if (signalled_.exchange(true, std::memory_order_acq_rel)) return;
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void SegmentPreparer::BeforeWrite(std::int64_t end) {
  if (write_path_ != WritePath::kPwrite) return;
  if (end <= prepared_to_.load(std::memory_order_acquire)) return;
  // Beyond the prepared bytes: wait out a zero-fill in progress there, then claim them.
  std::lock_guard lock(fill_mu_);
  if (prepared_to_.load(std::memory_order_relaxed) < end) {
    prepared_to_.store(end, std::memory_order_release);
  }
}

std::shared_ptr<MappedFile> SegmentPreparer::Take(std::int64_t start) {
  std::shared_ptr<MappedFile> taken;
  {
    std::lock_guard lock(mu_);
    if (!spare_ || spare_->start() != start) return nullptr;
    taken_start_ = start;
    taken = std::move(spare_);
  }
  if (write_path_ == WritePath::kPwrite) {
    // Its head was zero-filled and synced before it was offered: do not fill it again.
    std::lock_guard lock(fill_mu_);
    const std::int64_t head_end = start + window_;
    if (prepared_to_.load(std::memory_order_relaxed) < head_end) {
      prepared_to_.store(head_end, std::memory_order_release);
    }
  }
  return taken;
}

void SegmentPreparer::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || wake_; });
    if (stopping_) break;
    wake_ = false;
    lock.unlock();
    PrepareOnce();
    lock.lock();
  }
}

void SegmentPreparer::PrepareOnce() {
  // Cleared before the position is read: an Advance after this point signals a new round.
  signalled_.store(false, std::memory_order_release);
  const std::int64_t position = write_position_.load(std::memory_order_relaxed);
  const std::int64_t spare_start = (position / segment_size_ + 1) * segment_size_;
  PrepareSpare(spare_start);

  // The window after the write position, in the segment being written (once the log has
  // it). The spare's head was populated when it was created; past the roll the spare is
  // the log's segment and is found here.
  std::int64_t from = std::max(prepared_to_.load(std::memory_order_relaxed), position);
  const std::int64_t to = std::min(position + window_, spare_start);
  while (populate_supported_ && from < to) {
    std::shared_ptr<MappedFile> segment = segment_for_(from);
    if (!segment) break;  // not created yet (an empty store before its first append)
    const std::int64_t chunk =
        write_path_ == WritePath::kPwrite ? kZeroFillChunk : kPopulateChunk;
    std::int64_t end = std::min({to, segment->end(), from + chunk});
    Status s;
    if (write_path_ == WritePath::kPwrite) {
      {
        // The writer may have claimed bytes meanwhile (BeforeWrite): start after them.
        std::lock_guard lock(fill_mu_);
        from = std::max(from, prepared_to_.load(std::memory_order_relaxed));
        if (from >= end) continue;
        s = segment->ZeroFill(static_cast<std::size_t>(from - segment->start()),
                              static_cast<std::size_t>(end - segment->start()));
        if (s.ok()) prepared_to_.store(end, std::memory_order_release);
      }
      // Outside the lock: the writer may write into the zeroed pages while they are written
      // back. Written back, not synced: the zeros need not be durable (MappedFile::WriteBack).
      if (s.ok()) {
        s = segment->WriteBack(static_cast<std::size_t>(from - segment->start()),
                               static_cast<std::size_t>(end - segment->start()));
      }
    } else {
      s = segment->Populate(static_cast<std::size_t>(from - segment->start()),
                            static_cast<std::size_t>(end - segment->start()));
    }
    if (s.code() == StatusCode::kUnimplemented) {
      populate_supported_ = false;
      logger_->info("commit-log pages are not pre-faulted: {}", s.message());
      break;
    }
    if (!s.ok()) {
      // Harmless for correctness (the writer faults the pages itself); try again next round.
      logger_->warn("preparing the commit log at offset {} failed: {}", from, s.ToString());
      break;
    }
    from = end;
    if (write_path_ == WritePath::kMapped) prepared_to_.store(from, std::memory_order_relaxed);
  }
  // Without pre-faulting there is nothing to keep ahead: stop the writer's signals until
  // the next segment needs a spare.
  if (!populate_supported_) prepared_to_.store(to, std::memory_order_relaxed);
}

void SegmentPreparer::PrepareSpare(std::int64_t spare_start) {
  std::shared_ptr<MappedFile> stale;
  {
    std::lock_guard lock(mu_);
    if (spare_ && spare_->start() == spare_start) return;
    // Taken, and the writer has not published into it yet: it is the log's now (and may
    // still be being renamed), not a spare to prepare again.
    if (spare_start == taken_start_) return;
    stale.swap(spare_);  // the log moved (a roll that did not take it, or a truncation)
  }
  if (stale) stale->Unlink();
  if (failed_spare_start_ == spare_start) return;  // e.g. disk full: the writer will report it
  const std::string path = path_for_(spare_start) + ".tmp";
  auto spare = MappedFile::Create(path, spare_start, static_cast<std::size_t>(segment_size_),
                                  Preallocate::kYes);
  if (!spare.ok()) {
    failed_spare_start_ = spare_start;
    logger_->warn("cannot prepare the next commit-log segment: {}", spare.status().ToString());
    return;
  }
  failed_spare_start_ = -1;
  if (huge_pages_) (*spare)->AdviseHugePages();
  if (write_path_ == WritePath::kPwrite) {
    // Nobody else writes a spare: zero-fill its head without the writer's lock.
    Status s = (*spare)->ZeroFill(0, static_cast<std::size_t>(window_));
    if (s.ok()) s = (*spare)->WriteBack(0, static_cast<std::size_t>(window_));
    if (!s.ok()) logger_->warn("cannot zero-fill the next commit-log segment: {}", s.ToString());
  } else if (populate_supported_) {
    Status s = (*spare)->Populate(0, static_cast<std::size_t>(window_));
    if (s.code() == StatusCode::kUnimplemented) {
      populate_supported_ = false;
      logger_->info("commit-log pages are not pre-faulted: {}", s.message());
    }
  }
  std::lock_guard lock(mu_);
  spare_ = std::move(spare).value();
}

}  // namespace quiver::storage::commitlog
