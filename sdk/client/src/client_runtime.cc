// ClientRuntime's non-virtual part: the NOTIFY_CONSUMER_IDS_CHANGED fan-out.

#include "quiver/client/client_runtime.h"

#include <map>
#include <mutex>

namespace quiver {
inline namespace v1 {
namespace client {

struct ClientRuntime::Listeners {
  std::mutex mu;
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, ConsumerIdsChangedListener> consumer_ids_changed;
};

ClientRuntime::ClientRuntime() : listeners_(std::make_shared<Listeners>()) {}

std::uint64_t ClientRuntime::AddConsumerIdsChangedListener(ConsumerIdsChangedListener listener) {
  std::lock_guard lock(listeners_->mu);
  const std::uint64_t id = listeners_->next_id++;
  listeners_->consumer_ids_changed.emplace(id, std::move(listener));
  return id;
}

void ClientRuntime::RemoveConsumerIdsChangedListener(std::uint64_t id) {
  std::lock_guard lock(listeners_->mu);
  listeners_->consumer_ids_changed.erase(id);
}

void ClientRuntime::NotifyConsumerIdsChanged(const std::string& group) {
  // Called under the lock so that a removed listener is never called afterwards; the
  // listeners only set a flag (they must not block or re-enter).
  std::lock_guard lock(listeners_->mu);
  for (auto& [id, listener] : listeners_->consumer_ids_changed) listener(group);
}

}  // namespace client
}  // namespace v1
}  // namespace quiver
