#pragma once
// Helpers for tests and the benchmark: build messages, append and wait with a deadline.

#include <chrono>
#include <future>
#include <string>

#include "quiver/protocol/message_record.h"
#include "quiver/storage.h"

namespace quiver::storage::commitlog::testing {

inline Message MakeMessage(const std::string& topic, int queue_id, std::string body,
                           const std::string& tag = "") {
  Message m;
  m.topic = topic;
  m.queue_id = QueueId(queue_id);
  m.born_timestamp_ms = 1700000000000;
  m.born_host = HostAddress{{127, 0, 0, 1}, 40000};
  m.store_host = HostAddress{{127, 0, 0, 1}, 10911};
  if (!tag.empty()) {
    m.properties = std::string(protocol::kPropertyTags) + protocol::kNameValueSeparator + tag +
                   protocol::kPropertySeparator;
    m.tags_code = protocol::JavaStringHashCode(tag);
  }
  m.body = Buffer::FromString(std::move(body));
  return m;
}

// Appends and waits for the completion (at most `deadline`); kDeadlineExceeded if it
// never comes.
inline StatusOr<AppendOutcome> AppendAndWait(
    MessageStore& store, MessageBatch batch,
    std::chrono::seconds deadline = std::chrono::seconds(10)) {
  auto promise = std::make_shared<std::promise<StatusOr<AppendOutcome>>>();
  auto future = promise->get_future();
  store.Append(std::move(batch),
               [promise](StatusOr<AppendOutcome> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(deadline) != std::future_status::ready) {
    return DeadlineExceededError("append did not complete in time");
  }
  return future.get();
}

inline StatusOr<AppendOutcome> AppendOne(MessageStore& store, Message m) {
  MessageBatch batch;
  batch.messages.push_back(std::move(m));
  return AppendAndWait(store, std::move(batch));
}

inline Status WaitStatus(const std::function<void(std::function<void(Status)>)>& start,
                         std::chrono::seconds deadline = std::chrono::seconds(10)) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  start([promise](Status s) { promise->set_value(std::move(s)); });
  if (future.wait_for(deadline) != std::future_status::ready) {
    return DeadlineExceededError("operation did not complete in time");
  }
  return future.get();
}

}  // namespace quiver::storage::commitlog::testing
