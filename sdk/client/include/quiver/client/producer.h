#pragma once
// Producer: sync, async and one-way send, batches, ordered send through a queue selector
// (RocketMQ's DefaultMQProducer; rocketmq-protocol.md §9.2).
//
//   Producer producer(runtime, {.group = "PG"});
//   QUIVER_RETURN_IF_ERROR(producer.Start());
//   StatusOr<SendResult> r = producer.Send(Message("T", "TagA", "key-1", "hello"));
//
// Behaviour: routes come from the runtime's Discovery (kept fresh through Subscribe); the
// publish list is every writable queue of every broker group with a master, sorted by
// broker name. Queues are chosen round robin; with latency fault tolerance (on by default)
// a broker that failed or answered slowly is avoided for a while (MQFaultStrategy's
// thresholds). A sync or async send that fails with a transport error or a retryable
// response code (TOPIC_NOT_EXIST 17, SERVICE_NOT_AVAILABLE 14, SYSTEM_ERROR 1,
// SYSTEM_BUSY 2, NO_PERMISSION 16) is retried on another broker, `retry_times` more times,
// within one overall send timeout. One-way and selector sends are never retried.
// A topic unknown to the registry is sent through the route of TBW102 so that a broker
// with auto_create_topic creates it. An async send to a topic with no cached route blocks
// no thread: it is queued behind one asynchronous registry lookup per topic. A message body
// is copied once per send (into the request, shared by its retries); the transport writes
// it with scatter/gather. The producer heartbeats (HEART_BEAT with its
// producer group) to every broker it publishes to, at once and every heartbeat_interval.
//
// Errors: kInvalidArgument for a message the client refuses (empty topic or body, body
// larger than max_message_size, a reserved property key); kNotFound when no route exists;
// kFailedPrecondition before Start() or after Shutdown(); otherwise the last attempt's
// error, whose message names the broker and the response code and remark.
// Threading: every method may be called from any thread, concurrently. Sync methods
// block the caller and must not be called from a transport I/O thread or a callback.
// Async callbacks run on the runtime's executor.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/export.h"
#include "quiver/client/message.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace client {

struct ProducerOptions {
  std::string group = "DEFAULT_PRODUCER";
  int retry_times = 2;  // sync and async: attempts = 1 + retry_times
  // Covers every attempt of one send; zero = the runtime's request timeout.
  Duration send_timeout = Duration::zero();
  bool latency_fault_tolerance = true;
  int default_topic_queue_nums = 4;
  std::size_t max_message_size = 4 * 1024 * 1024;
  Duration heartbeat_interval = std::chrono::seconds(30);
  // Header encoding of SEND requests (client_runtime.h); kJson for brokers or proxies that
  // only read JSON headers.
  HeaderEncoding header_encoding = HeaderEncoding::kBinary;
};

using SendCallback = std::function<void(StatusOr<SendResult>)>;
// Picks one of `queues` (the topic's writable queues, never empty) for `message`.
using QueueSelector =
    std::function<MessageQueue(const std::vector<MessageQueue>& queues, const Message& message)>;

// queues[|JavaStringHashCode(key)| % queues.size()]: the same key always goes to the same
// queue while the queue count does not change (ordered messages per key).
QUIVER_CLIENT_API QueueSelector SelectByKeyHash(std::string key);

class QUIVER_CLIENT_API Producer {
 public:
  Producer(std::shared_ptr<ClientRuntime> runtime, ProducerOptions options);
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;
  // Shuts down (see Shutdown).
  ~Producer();

  // Starts the heartbeat timer. kFailedPrecondition when already shut down.
  Status Start();
  // Stops timers and unregisters from the brokers (best effort). Sends in flight complete;
  // later sends fail with kFailedPrecondition. Idempotent.
  void Shutdown();

  StatusOr<SendResult> Send(const Message& message);
  // `done` runs exactly once, on the runtime's executor.
  void SendAsync(const Message& message, SendCallback done);
  // OK means handed to the transport; no acknowledgement.
  Status SendOneway(const Message& message);
  // Ordered send: one attempt, to the queue the selector picks.
  StatusOr<SendResult> Send(const Message& message, const QueueSelector& selector);
  // One SEND_BATCH_MESSAGE; every message must have the same topic.
  StatusOr<SendResult> SendBatch(const std::vector<Message>& messages);

  // The topic's writable queues (fetching the route if needed).
  StatusOr<std::vector<MessageQueue>> FetchPublishQueues(const std::string& topic);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// The SEND_BATCH_MESSAGE body of `messages` (rocketmq-protocol.md §4.4): per message
// int32 totalSize, int32 magic 0, int32 bodyCRC 0, int32 flag, int32 bodyLen, body,
// int16 propertiesLen, properties. Each message's properties are encoded as the producer
// sends them (its UNIQ_KEY must already be in `encoded_properties`).
struct EncodedBatchEntry {
  std::int32_t flag = 0;
  std::string body;
  std::string encoded_properties;
};
QUIVER_CLIENT_API std::string EncodeBatchBody(const std::vector<EncodedBatchEntry>& entries);

}  // namespace client
}  // namespace v1
}  // namespace quiver
