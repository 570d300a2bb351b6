#include "process_queue.h"

namespace quiver::inline v1::client::internal {

bool ProcessQueue::PutMessages(std::vector<MessageExt> messages) {
  std::lock_guard lock(mu_);
  for (MessageExt& m : messages) {
    const std::int64_t offset = m.queue_offset.value();
    if (waiting_.contains(offset) || consuming_.contains(offset)) continue;
    max_offset_ = std::max(max_offset_, offset);
    ++count_;
    bytes_ += m.body.size();
    waiting_.emplace(offset, std::move(m));
  }
  if (!waiting_.empty() && !consuming_task_) {
    consuming_task_ = true;
    return true;
  }
  return false;
}

std::int64_t ProcessQueue::RemoveMessages(const std::vector<MessageExt>& messages) {
  std::lock_guard lock(mu_);
  if (waiting_.empty()) return -1;
  for (const MessageExt& m : messages) {
    auto it = waiting_.find(m.queue_offset.value());
    if (it == waiting_.end()) continue;
    --count_;
    bytes_ -= it->second.body.size();
    waiting_.erase(it);
  }
  return waiting_.empty() ? max_offset_ + 1 : waiting_.begin()->first;
}

std::vector<MessageExt> ProcessQueue::TakeMessages(std::size_t max) {
  std::lock_guard lock(mu_);
  std::vector<MessageExt> out;
  while (out.size() < max && !waiting_.empty()) {
    auto node = waiting_.extract(waiting_.begin());
    out.push_back(node.mapped());
    consuming_.insert(std::move(node));
  }
  if (out.empty()) consuming_task_ = false;
  return out;
}

std::int64_t ProcessQueue::Commit() {
  std::lock_guard lock(mu_);
  if (consuming_.empty()) return -1;
  const std::int64_t next = consuming_.rbegin()->first + 1;
  for (const auto& [offset, m] : consuming_) {
    --count_;
    bytes_ -= m.body.size();
  }
  consuming_.clear();
  return next;
}

void ProcessQueue::MakeMessagesToConsumeAgain(const std::vector<MessageExt>& messages) {
  std::lock_guard lock(mu_);
  for (const MessageExt& m : messages) {
    auto node = consuming_.extract(m.queue_offset.value());
    if (node.empty()) continue;
    node.mapped() = m;  // keeps the caller's reconsume count
    waiting_.insert(std::move(node));
  }
}

std::size_t ProcessQueue::message_count() const {
  std::lock_guard lock(mu_);
  return count_;
}

std::size_t ProcessQueue::message_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::int64_t ProcessQueue::max_span() const {
  std::lock_guard lock(mu_);
  if (waiting_.empty()) return 0;
  return waiting_.rbegin()->first - waiting_.begin()->first;
}

std::int64_t ProcessQueue::max_offset() const {
  std::lock_guard lock(mu_);
  return max_offset_;
}

}  // namespace quiver::inline v1::client::internal
