#include "kernel/roles/broker/processing/pull_hold_service.h"

namespace quiver::broker {

void PullHoldService::Hold(const std::string& topic, QueueId queue_id, QueueOffset offset,
                           TimePoint deadline, Resume resume) {
  Key key(topic, queue_id.value());
  bool parked = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopped_) {
      std::uint64_t id = ++next_id_;
      Held held;
      held.id = id;
      held.offset = offset;
      held.resume = std::move(resume);
      Duration wait = deadline - clock_.Now();
      if (wait < Duration::zero()) wait = Duration::zero();
      held.timer = clock_.RunAfter(wait, [this, key, id] { OnTimeout(key, id); });
      held_[key].push_back(std::move(held));
      parked = true;
    }
  }
  if (!parked) {
    resume(HoldEnd::kShutdown);
    return;
  }
  // A message may have been dispatched between the caller's read and the registration
  // above; its notification found nothing to wake. Check once more.
  QueueOffset max = store_.MaxOffset(topic, queue_id);
  if (max > offset) Notify(topic, queue_id, max);
}

void PullHoldService::Notify(const std::string& topic, QueueId queue_id, QueueOffset max_offset) {
  std::vector<Held> woken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = held_.find(Key(topic, queue_id.value()));
    if (it == held_.end()) return;
    std::vector<Held>& list = it->second;
    for (auto h = list.begin(); h != list.end();) {
      if (h->offset < max_offset) {
        woken.push_back(std::move(*h));
        h = list.erase(h);
      } else {
        ++h;
      }
    }
    if (list.empty()) held_.erase(it);
  }
  for (Held& held : woken) PostResume(std::move(held), HoldEnd::kArrived);
}

void PullHoldService::OnTimeout(const Key& key, std::uint64_t id) {
  Held found;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = held_.find(key);
    if (it == held_.end()) return;
    std::vector<Held>& list = it->second;
    for (auto h = list.begin(); h != list.end(); ++h) {
      if (h->id == id) {
        found = std::move(*h);
        list.erase(h);
        break;
      }
    }
    if (list.empty()) held_.erase(it);
  }
  if (found.resume) PostResume(std::move(found), HoldEnd::kTimeout);
}

void PullHoldService::PostResume(Held held, HoldEnd end) {
  // The timer handle travels with the task: from inside its own callback it must not be
  // destroyed before the callback returns, and elsewhere destroying it cancels it.
  auto shared = std::make_shared<Held>(std::move(held));
  executor_.Post([shared, end, token = tasks_.Acquire()] {
    shared->timer.reset();
    shared->resume(end);
  });
}

void PullHoldService::Stop() {
  std::vector<Held> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (auto& [key, list] : held_) {
      for (Held& h : list) all.push_back(std::move(h));
    }
    held_.clear();
  }
  for (Held& held : all) {
    held.timer.reset();  // cancels; waits for a running timeout callback, which finds nothing
    held.resume(HoldEnd::kShutdown);
  }
}

std::size_t PullHoldService::HeldCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, list] : held_) n += list.size();
  return n;
}

}  // namespace quiver::broker
