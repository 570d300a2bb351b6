#include "callback_thread.h"

#include <chrono>

namespace quiver::storage::commitlog {
namespace {
// Long enough to bridge the gap between appends of a busy appender (~1-10 µs), short
// enough that an idle store spends almost nothing polling.
constexpr auto kPollBeforeSleep = std::chrono::microseconds(50);
}  // namespace

CallbackThread::CallbackThread(Notify notify) : notify_(std::move(notify)) {}

CallbackThread::~CallbackThread() { Stop(); }

void CallbackThread::Start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void CallbackThread::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CallbackThread::Post(std::function<void()> fn) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(fn));
    // Written once per batch, not per task: the poller keeps reading the line meanwhile.
    if (!pending_.load(std::memory_order_relaxed)) pending_.store(true, std::memory_order_relaxed);
    wake = waiting_;
    waiting_ = false;  // one notify per sleep is enough
  }
  if (wake) cv_.notify_one();
}

bool CallbackThread::PollForWork() const {
  const auto deadline = std::chrono::steady_clock::now() + kPollBeforeSleep;
  while (!pending_.load(std::memory_order_relaxed)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

void CallbackThread::MarkReadable(const ConsumeQueue* queue) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    marked_.insert(queue);
    if (!pending_.load(std::memory_order_relaxed)) pending_.store(true, std::memory_order_relaxed);
    wake = waiting_;
    waiting_ = false;
  }
  if (wake) cv_.notify_one();
}

void CallbackThread::Loop() {
  // Swapped with the shared ones under the lock; both keep their capacity, so steady
  // state allocates nothing.
  std::vector<Task> tasks;
  std::unordered_set<const ConsumeQueue*> marked;
  std::unique_lock lock(mu_);
  while (true) {
    if (tasks_.empty() && marked_.empty()) {
      if (stopping_) break;
      lock.unlock();
      const bool arrived = PollForWork();
      lock.lock();
      if (arrived || stopping_ || !tasks_.empty() || !marked_.empty()) continue;
      waiting_ = true;
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty() || !marked_.empty(); });
      waiting_ = false;
      continue;
    }
    tasks.swap(tasks_);
    marked.swap(marked_);
    pending_.store(false, std::memory_order_relaxed);
    lock.unlock();
    for (Task& task : tasks) task();
    tasks.clear();
    for (const ConsumeQueue* queue : marked) notify_(*queue);
    marked.clear();
    lock.lock();
  }
}

}  // namespace quiver::storage::commitlog
