#include "callback_thread.h"

namespace quiver::storage::commitlog {

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
    callbacks_.push_back(std::move(fn));
    wake = waiting_;
  }
  if (wake) cv_.notify_one();
}

void CallbackThread::MarkReadable(const ConsumeQueue* queue) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    marked_.insert(queue);
    wake = waiting_;
  }
  if (wake) cv_.notify_one();
}

void CallbackThread::Loop() {
  std::vector<std::function<void()>> callbacks;
  std::unordered_set<const ConsumeQueue*> marked;
  std::unique_lock lock(mu_);
  while (true) {
    if (callbacks_.empty() && marked_.empty()) {
      if (stopping_) break;
      waiting_ = true;
      cv_.wait(lock, [&] { return stopping_ || !callbacks_.empty() || !marked_.empty(); });
      waiting_ = false;
      continue;
    }
    callbacks.swap(callbacks_);
    marked.swap(marked_);
    lock.unlock();
    for (auto& fn : callbacks) fn();
    callbacks.clear();
    for (const ConsumeQueue* queue : marked) notify_(*queue);
    marked.clear();
    lock.lock();
  }
}

}  // namespace quiver::storage::commitlog
