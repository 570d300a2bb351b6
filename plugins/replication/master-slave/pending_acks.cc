#include "pending_acks.h"

namespace quiver::replication::master_slave {

std::optional<PendingAcks::Entry> PendingAcks::Add(Entry entry) {
  std::lock_guard lock(mu_);
  if (entry.end_offset <= acked_) return entry;
  entries_.emplace(entry.end_offset, std::move(entry));
  return std::nullopt;
}

std::vector<PendingAcks::Entry> PendingAcks::Ack(std::int64_t offset) {
  std::vector<Entry> out;
  std::lock_guard lock(mu_);
  if (offset > acked_) acked_ = offset;
  auto end = entries_.upper_bound(offset);
  for (auto it = entries_.begin(); it != end; ++it) out.push_back(std::move(it->second));
  entries_.erase(entries_.begin(), end);
  return out;
}

std::vector<PendingAcks::Entry> PendingAcks::Expire(TimePoint now) {
  std::vector<Entry> out;
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.deadline <= now) {
      out.push_back(std::move(it->second));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<PendingAcks::Entry> PendingAcks::TakeAll() {
  std::vector<Entry> out;
  std::lock_guard lock(mu_);
  for (auto& [offset, entry] : entries_) out.push_back(std::move(entry));
  entries_.clear();
  return out;
}

std::size_t PendingAcks::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::int64_t PendingAcks::acked_offset() const {
  std::lock_guard lock(mu_);
  return acked_;
}

}  // namespace quiver::replication::master_slave
