#include "kernel/roles/broker/processing/queue_lock_table.h"

namespace quiver::broker {

std::set<LockedQueue> QueueLockTable::TryLock(std::string_view group,
                                              const std::vector<LockedQueue>& queues,
                                              std::string_view client_id) {
  std::set<LockedQueue> locked;
  TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(group);
  if (it == groups_.end())
    it = groups_.emplace(std::string(group), std::map<LockedQueue, Lock>{}).first;
  for (const LockedQueue& queue : queues) {
    auto [entry, created] = it->second.try_emplace(queue, Lock{std::string(client_id), now});
    Lock& held = entry->second;
    if (created || held.client_id == client_id || !Live(held, now)) {
      held.client_id = std::string(client_id);
      held.renewed = now;
      locked.insert(queue);
    }
  }
  return locked;
}

std::size_t QueueLockTable::Unlock(std::string_view group, const std::vector<LockedQueue>& queues,
                                   std::string_view client_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return 0;
  std::size_t released = 0;
  for (const LockedQueue& queue : queues) {
    auto entry = it->second.find(queue);
    if (entry != it->second.end() && entry->second.client_id == client_id) {
      it->second.erase(entry);
      ++released;
    }
  }
  if (it->second.empty()) groups_.erase(it);
  return released;
}

std::optional<std::string> QueueLockTable::Holder(std::string_view group, std::string_view topic,
                                                  std::int32_t queue_id) const {
  TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  for (const auto& [queue, held] : it->second) {
    if (queue.topic == topic && queue.queue_id == queue_id && Live(held, now)) {
      return held.client_id;
    }
  }
  return std::nullopt;
}

}  // namespace quiver::broker
