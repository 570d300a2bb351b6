#include "allocate_message_queue.h"

#include <algorithm>

namespace quiver::inline v1::client::internal {

namespace {
// Index of `consumer_id` in `all_consumers`, or -1.
long IndexOf(const std::string& consumer_id, const std::vector<std::string>& all_consumers) {
  auto it = std::find(all_consumers.begin(), all_consumers.end(), consumer_id);
  return it == all_consumers.end() ? -1 : static_cast<long>(it - all_consumers.begin());
}
}  // namespace

std::vector<MessageQueue> AllocateAveragely(const std::string& consumer_id,
                                            const std::vector<MessageQueue>& all_queues,
                                            const std::vector<std::string>& all_consumers) {
  std::vector<MessageQueue> result;
  const long index = IndexOf(consumer_id, all_consumers);
  if (index < 0 || all_queues.empty()) return result;
  const long n = static_cast<long>(all_queues.size());
  const long c = static_cast<long>(all_consumers.size());
  // Java's arithmetic, term for term, so that a mixed Java/Quiver group agrees on shares.
  const long mod = n % c;
  const long average = n <= c ? 1 : (mod > 0 && index < mod ? n / c + 1 : n / c);
  const long start = (mod > 0 && index < mod) ? index * average : index * average + mod;
  const long range = std::min(average, n - start);
  for (long i = 0; i < range; ++i) result.push_back(all_queues[(start + i) % n]);
  return result;
}

std::vector<MessageQueue> AllocateByCircle(const std::string& consumer_id,
                                           const std::vector<MessageQueue>& all_queues,
                                           const std::vector<std::string>& all_consumers) {
  std::vector<MessageQueue> result;
  const long index = IndexOf(consumer_id, all_consumers);
  if (index < 0) return result;
  const long c = static_cast<long>(all_consumers.size());
  for (long i = index; i < static_cast<long>(all_queues.size()); i += c) {
    result.push_back(all_queues[i]);
  }
  return result;
}

}  // namespace quiver::inline v1::client::internal
