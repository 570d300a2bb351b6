#include "quiver/client/producer.h"

#include <spdlog/logger.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "broker_api.h"
#include "latency_fault_tolerance.h"
#include "message_codec.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_record.h"

namespace quiver {
inline namespace v1 {
namespace client {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using internal::LatencyFaultTolerance;
using protocol::RemotingCommand;

namespace {

constexpr const char* kDefaultTopic = "TBW102";

// Where a topic can be written: its writable queues and each broker group's master.
struct PublishInfo {
  std::vector<MessageQueue> queues;
  std::map<std::string, std::string> masters;  // broker name -> address
};
using PublishInfoPtr = std::shared_ptr<const PublishInfo>;

PublishInfoPtr BuildPublishInfo(const std::string& topic, const TopicRouteData& route,
                                int max_queues_per_broker) {
  auto info = std::make_shared<PublishInfo>();
  std::vector<QueueData> queue_datas = route.queue_datas;
  std::sort(queue_datas.begin(), queue_datas.end(),
            [](const QueueData& a, const QueueData& b) { return a.broker_name < b.broker_name; });
  for (const QueueData& q : queue_datas) {
    if ((q.perm & perm::kWrite) == 0) continue;
    const BrokerData* broker = internal::FindBroker(route, q.broker_name);
    if (broker == nullptr) continue;
    std::optional<std::string> master = internal::MasterAddress(*broker);
    if (!master) continue;
    info->masters[q.broker_name] = *master;
    std::int32_t count = q.write_queue_nums;
    if (max_queues_per_broker > 0) count = std::min(count, max_queues_per_broker);
    for (std::int32_t id = 0; id < count; ++id) {
      info->queues.push_back(MessageQueue{topic, q.broker_name, id});
    }
  }
  return info;
}

// Retryable response codes (rocketmq-protocol.md §2.1).
bool IsRetryable(std::int32_t code) {
  return code == rc::kTopicNotExist || code == rc::kServiceNotAvailable ||
         code == rc::kSystemError || code == rc::kSystemBusy || code == rc::kNoPermission ||
         code == 204 || code == 205;
}

std::optional<SendStatus> StoredStatus(std::int32_t code) {
  switch (code) {
    case rc::kSuccess:
      return SendStatus::kSendOk;
    case rc::kFlushDiskTimeout:
      return SendStatus::kFlushDiskTimeout;
    case rc::kFlushSlaveTimeout:
      return SendStatus::kFlushSlaveTimeout;
    case rc::kSlaveNotAvailable:
      return SendStatus::kSlaveNotAvailable;
    default:
      return std::nullopt;
  }
}

// A send prepared once and attempted up to 1 + retries times.
struct PreparedSend {
  std::string topic;
  std::int32_t code = req::kSendMessageV2;
  std::int32_t flag = 0;
  std::string properties;
  Buffer body;         // shared by every attempt's request: built once, never copied again
  std::string msg_id;  // UNIQ_KEY(s)
  bool batch = false;
};

}  // namespace

class Producer::Impl : public std::enable_shared_from_this<Producer::Impl> {
 public:
  Impl(std::shared_ptr<ClientRuntime> runtime, ProducerOptions options)
      : runtime_(std::move(runtime)),
        options_(std::move(options)),
        faults_(runtime_->clock()),
        ids_(internal::UniqueKeyGeneratorFor(runtime_->client_id())),
        next_queue_(std::random_device{}() % 1024) {
    if (options_.send_timeout == Duration::zero()) {
      options_.send_timeout = runtime_->request_timeout();
    }
  }

  Status Start() {
    std::lock_guard lock(mu_);
    if (state_ == State::kShutdown) return FailedPreconditionError("the producer is shut down");
    if (state_ == State::kStarted) return Status::Ok();
    state_ = State::kStarted;
    std::weak_ptr<Impl> weak = weak_from_this();
    heartbeat_timer_ = runtime_->clock().RunEvery(options_.heartbeat_interval, [weak] {
      if (auto self = weak.lock()) self->HeartbeatAll();
    });
    return Status::Ok();
  }

  void Shutdown() {
    TimerPtr timer;
    std::vector<std::uint64_t> subscriptions;
    std::set<std::string> brokers;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kShutdown) return;
      const bool was_started = state_ == State::kStarted;
      state_ = State::kShutdown;
      timer = std::move(heartbeat_timer_);
      for (auto& [topic, id] : route_subscriptions_) subscriptions.push_back(id);
      route_subscriptions_.clear();
      if (was_started) brokers = heartbeat_brokers_;
    }
    if (timer) timer->Cancel();
    for (std::uint64_t id : subscriptions) runtime_->discovery().Unsubscribe(id);
    for (const std::string& address : brokers) {
      RemotingCommand request = RemotingCommand::Request(req::kUnregisterClient);
      request.SetExt("clientID", runtime_->client_id());
      request.SetExt("producerGroup", options_.group);
      runtime_->transport().InvokeOneway(address, std::move(request)).IgnoreError();  // best effort
    }
  }

  Status CheckRunning() const {
    std::lock_guard lock(mu_);
    if (state_ == State::kCreated) return FailedPreconditionError("the producer is not started");
    if (state_ == State::kShutdown) return FailedPreconditionError("the producer is shut down");
    return Status::Ok();
  }

  StatusOr<PreparedSend> Prepare(const Message& message) {
    QUIVER_RETURN_IF_ERROR(internal::ValidateMessage(message, options_.max_message_size));
    PreparedSend send;
    send.topic = message.topic;
    send.flag = message.flag;
    send.body = Buffer::CopyOf(message.body);
    send.msg_id = ids_.Next(runtime_->clock().WallMillis());
    QUIVER_ASSIGN_OR_RETURN(send.properties,
                            internal::EncodeMessageProperties(message, send.msg_id));
    return send;
  }

  StatusOr<PreparedSend> PrepareBatch(const std::vector<Message>& messages) {
    if (messages.empty()) return InvalidArgumentError("the batch is empty");
    PreparedSend send;
    send.topic = messages.front().topic;
    send.code = req::kSendBatchMessage;
    send.batch = true;
    std::vector<EncodedBatchEntry> entries;
    for (const Message& m : messages) {
      QUIVER_RETURN_IF_ERROR(internal::ValidateMessage(m, options_.max_message_size));
      if (m.topic != send.topic) {
        return InvalidArgumentError("every message of a batch must have the topic " + send.topic +
                                    ", found " + m.topic);
      }
      const std::string id = ids_.Next(runtime_->clock().WallMillis());
      QUIVER_ASSIGN_OR_RETURN(std::string props, internal::EncodeMessageProperties(m, id));
      if (!send.msg_id.empty()) send.msg_id += ',';
      send.msg_id += id;
      entries.push_back(EncodedBatchEntry{m.flag, m.body, std::move(props)});
    }
    send.body = Buffer::FromString(EncodeBatchBody(entries));
    if (send.body.size() > options_.max_message_size) {
      return InvalidArgumentError("the batch body size " + std::to_string(send.body.size()) +
                                  " exceeds the maximum " +
                                  std::to_string(options_.max_message_size));
    }
    QUIVER_ASSIGN_OR_RETURN(send.properties, protocol::EncodeProperties(
                                                 {{std::string(internal::kPropertyWait), "true"}}));
    return send;
  }

  RemotingCommand BuildRequest(const PreparedSend& send, const MessageQueue& mq) {
    RemotingCommand request = RemotingCommand::Request(send.code);
    request.SetExt("a", options_.group);
    request.SetExt("b", send.topic);
    request.SetExt("c", kDefaultTopic);
    request.SetExt("d", std::int64_t{options_.default_topic_queue_nums});
    request.SetExt("e", std::int64_t{mq.queue_id});
    request.SetExt("f", std::int64_t{0});
    request.SetExt("g", runtime_->clock().WallMillis());
    request.SetExt("h", std::int64_t{send.flag});
    request.SetExt("i", send.properties);
    request.SetExt("j", std::int64_t{0});
    request.SetExt("k", "false");
    request.SetExt("m", send.batch ? "true" : "false");
    request.SetExt("n", mq.broker_name);
    request.body = BufferList(send.body);
    request.serialize_type = internal::WireSerialization(options_.header_encoding);
    return request;
  }

  // The cached publish info of `topic` with at least one queue, or null.
  PublishInfoPtr CachedPublishInfo(const std::string& topic) {
    std::lock_guard lock(mu_);
    auto it = publish_infos_.find(topic);
    if (it != publish_infos_.end() && !it->second->queues.empty()) return it->second;
    return nullptr;
  }

  // The publish info of `topic`: cached, else from the route (or TBW102's route when the
  // topic is unknown, so that the broker auto-creates it).
  StatusOr<PublishInfoPtr> GetPublishInfo(const std::string& topic) {
    if (PublishInfoPtr cached = CachedPublishInfo(topic)) return cached;
    PublishInfoPtr info;
    StatusOr<TopicRouteData> route = internal::GetRouteSync(*runtime_, topic);
    if (route.ok()) {
      info = BuildPublishInfo(topic, *route, 0);
    } else if (route.status().code() == StatusCode::kNotFound) {
      StatusOr<TopicRouteData> fallback = internal::GetRouteSync(*runtime_, kDefaultTopic);
      if (!fallback.ok()) return route.status();
      info = BuildPublishInfo(topic, *fallback, options_.default_topic_queue_nums);
    } else {
      return route.status();
    }
    if (info->queues.empty()) {
      return NotFoundError("no writable queue with a master for topic " + topic);
    }
    Remember(topic, info, route.ok());
    return info;
  }

  // Caches `info`, subscribes to route changes of the topic and heartbeats to new brokers.
  void Remember(const std::string& topic, PublishInfoPtr info, bool from_topic_route) {
    std::vector<std::string> new_brokers;
    bool subscribe = false;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kShutdown) return;
      publish_infos_[topic] = info;
      for (const auto& [name, address] : info->masters) {
        if (heartbeat_brokers_.insert(address).second) new_brokers.push_back(address);
      }
      subscribe = !route_subscriptions_.contains(topic);
      if (subscribe) route_subscriptions_[topic] = 0;
    }
    if (subscribe) {
      std::weak_ptr<Impl> weak = weak_from_this();
      std::uint64_t id = runtime_->discovery().Subscribe(
          topic, [weak](const std::string& t, const TopicRouteData& route) {
            auto self = weak.lock();
            if (!self) return;
            PublishInfoPtr updated = BuildPublishInfo(t, route, 0);
            if (!updated->queues.empty()) self->Remember(t, updated, true);
          });
      bool drop = false;
      {
        std::lock_guard lock(mu_);
        if (state_ == State::kShutdown) {
          drop = true;
        } else {
          route_subscriptions_[topic] = id;
        }
      }
      if (drop) runtime_->discovery().Unsubscribe(id);
    }
    for (const std::string& address : new_brokers) Heartbeat(address);
  }

  void Heartbeat(const std::string& address) {
    RemotingCommand request = RemotingCommand::Request(req::kHeartBeat);
    protocol::HeartbeatData heartbeat;
    heartbeat.client_id = runtime_->client_id();
    heartbeat.producer_data_set.push_back(protocol::ProducerData{options_.group});
    request.body = BufferList(Buffer::FromString(protocol::EncodeHeartbeatData(heartbeat)));
    runtime_->transport().InvokeAsync(address, std::move(request), runtime_->request_timeout(),
                                      [](StatusOr<RemotingCommand>) {});
  }

  void HeartbeatAll() {
    std::set<std::string> brokers;
    {
      std::lock_guard lock(mu_);
      brokers = heartbeat_brokers_;
    }
    for (const std::string& address : brokers) Heartbeat(address);
  }

  // MQFaultStrategy.selectOneMessageQueue: round robin over available brokers, avoiding the
  // broker of the previous failed attempt.
  MessageQueue SelectQueue(const PublishInfo& info, const std::string& last_broker) {
    const std::size_t n = info.queues.size();
    if (options_.latency_fault_tolerance) {
      for (std::size_t i = 0; i < n; ++i) {
        const MessageQueue& mq = info.queues[next_queue_.fetch_add(1) % n];
        if (mq.broker_name != last_broker && faults_.IsAvailable(mq.broker_name)) return mq;
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      const MessageQueue& mq = info.queues[next_queue_.fetch_add(1) % n];
      if (mq.broker_name != last_broker) return mq;
    }
    return info.queues[next_queue_.fetch_add(1) % n];
  }

  // The outcome of one attempt: a result, or an error and whether to retry it.
  struct Attempt {
    StatusOr<SendResult> result = UnknownError("not attempted");
    bool retry = false;
  };

  Attempt Complete(const PreparedSend& send, const MessageQueue& mq, const std::string& address,
                   TimePoint started, StatusOr<RemotingCommand> response) {
    const Duration latency = runtime_->clock().Now() - started;
    Attempt attempt;
    if (!response.ok()) {
      faults_.Update(mq.broker_name, LatencyFaultTolerance::kIsolationLatency);
      attempt.result = response.status().WithContext("send to " + address);
      attempt.retry = true;
      return attempt;
    }
    const RemotingCommand& r = *response;
    std::optional<SendStatus> status = StoredStatus(r.code);
    if (!status) {
      const bool retry = IsRetryable(r.code);
      faults_.Update(mq.broker_name, retry ? LatencyFaultTolerance::kIsolationLatency : latency);
      attempt.result = internal::BrokerResponseError(address, r);
      attempt.retry = retry;
      return attempt;
    }
    faults_.Update(mq.broker_name, latency);
    SendResult result;
    result.status = *status;
    result.msg_id = send.msg_id;
    if (const std::string* id = r.FindExt("msgId")) result.offset_msg_id = *id;
    result.message_queue = mq;
    StatusOr<std::int64_t> queue_id = r.GetExtInt("queueId", mq.queue_id);
    if (queue_id.ok()) result.message_queue.queue_id = static_cast<std::int32_t>(*queue_id);
    StatusOr<std::int64_t> offset = r.GetExtInt("queueOffset", 0);
    result.queue_offset = QueueOffset(offset.value_or(0));
    attempt.result = std::move(result);
    return attempt;
  }

  StatusOr<SendResult> SendSync(const PreparedSend& send, const QueueSelector* selector,
                                const Message* message) {
    QUIVER_RETURN_IF_ERROR(CheckRunning());
    const TimePoint deadline = runtime_->clock().Now() + options_.send_timeout;
    QUIVER_ASSIGN_OR_RETURN(PublishInfoPtr info, GetPublishInfo(send.topic));
    const int attempts = selector != nullptr ? 1 : 1 + std::max(0, options_.retry_times);
    std::string last_broker;
    Status last_error = UnknownError("no attempt made");
    for (int i = 0; i < attempts; ++i) {
      const TimePoint now = runtime_->clock().Now();
      if (now >= deadline) {
        return DeadlineExceededError("send to topic " + send.topic + " timed out after " +
                                     std::to_string(i) +
                                     " attempt(s); last error: " + last_error.ToString());
      }
      MessageQueue mq = selector != nullptr ? (*selector)(info->queues, *message)
                                            : SelectQueue(*info, last_broker);
      auto master = info->masters.find(mq.broker_name);
      if (master == info->masters.end()) {
        return InvalidArgumentError("the selected queue " + mq.ToString() + " is not writable");
      }
      StatusOr<RemotingCommand> response =
          runtime_->transport().InvokeSync(master->second, BuildRequest(send, mq), deadline - now);
      Attempt attempt = Complete(send, mq, master->second, now, std::move(response));
      if (attempt.result.ok() || !attempt.retry) return std::move(attempt.result);
      last_error = attempt.result.status();
      last_broker = mq.broker_name;
      runtime_->logger().warn("send to {} failed (attempt {} of {}): {}", mq.ToString(), i + 1,
                              attempts, last_error.ToString());
    }
    return last_error;
  }

  struct AsyncSend {
    PreparedSend send;
    SendCallback done;
    TimePoint deadline;
    int attempts_left = 0;
    std::string last_broker;
    PublishInfoPtr info;
  };

  void Deliver(std::shared_ptr<AsyncSend> state, StatusOr<SendResult> result) {
    runtime_->executor().Post(
        [state, result = std::move(result)]() mutable { state->done(std::move(result)); });
  }

  void AttemptAsync(std::shared_ptr<AsyncSend> state) {
    const TimePoint now = runtime_->clock().Now();
    if (now >= state->deadline) {
      Deliver(state, DeadlineExceededError("send to topic " + state->send.topic + " timed out"));
      return;
    }
    --state->attempts_left;
    MessageQueue mq = SelectQueue(*state->info, state->last_broker);
    const std::string address = state->info->masters.at(mq.broker_name);
    std::shared_ptr<Impl> self = shared_from_this();
    runtime_->transport().InvokeAsync(
        address, BuildRequest(state->send, mq), state->deadline - now,
        [self, state, mq, address, now](StatusOr<RemotingCommand> response) {
          Attempt attempt = self->Complete(state->send, mq, address, now, std::move(response));
          if (attempt.result.ok() || !attempt.retry || state->attempts_left <= 0) {
            self->Deliver(state, std::move(attempt.result));
            return;
          }
          self->runtime_->logger().warn("async send to {} failed, retrying: {}", mq.ToString(),
                                        attempt.result.status().ToString());
          state->last_broker = mq.broker_name;
          self->AttemptAsync(state);
        });
  }

  void SendAsync(const Message& message, SendCallback done) {
    auto state = std::make_shared<AsyncSend>();
    state->done = std::move(done);
    Status running = CheckRunning();
    if (!running.ok()) return Deliver(state, running);
    StatusOr<PreparedSend> send = Prepare(message);
    if (!send.ok()) return Deliver(state, send.status());
    state->send = std::move(*send);
    state->deadline = runtime_->clock().Now() + options_.send_timeout;
    state->attempts_left = 1 + std::max(0, options_.retry_times);
    // Hot path: with the route cached nothing can block, so the request goes out from the
    // caller's thread (one executor hop and wake-up less per message); the callback still
    // runs on the executor (Deliver).
    if (PublishInfoPtr cached = CachedPublishInfo(state->send.topic)) {
      state->info = std::move(cached);
      AttemptAsync(state);
      return;
    }
    // No route yet: queue the send behind one asynchronous registry lookup per topic. A
    // blocking lookup here (or on the executor) would stall every executor thread behind
    // registry answers that themselves arrive through the executor.
    const std::string topic = state->send.topic;
    bool first = false;
    {
      std::lock_guard lock(mu_);
      std::vector<std::shared_ptr<AsyncSend>>& waiting = awaiting_route_[topic];
      first = waiting.empty();
      waiting.push_back(std::move(state));
    }
    if (first) ResolveRouteAsync(topic);
  }

  // Looks the route of `topic` up (TBW102's when the topic is unknown, as GetPublishInfo)
  // without blocking, then sends or fails every send queued for it. Runs the registry's
  // callbacks on whatever thread the registry answers on; nothing here blocks.
  void ResolveRouteAsync(const std::string& topic) {
    std::shared_ptr<Impl> self = shared_from_this();
    runtime_->discovery().GetRoute(topic, [self, topic](StatusOr<TopicRouteData> route) {
      if (route.ok()) {
        self->OnRouteResolved(topic, BuildPublishInfo(topic, *route, 0), true);
        return;
      }
      if (route.status().code() != StatusCode::kNotFound) {
        self->FailAwaitingRoute(topic, route.status());
        return;
      }
      self->runtime_->discovery().GetRoute(kDefaultTopic, [self, topic, not_found = route.status()](
                                                              StatusOr<TopicRouteData> fallback) {
        if (!fallback.ok()) {
          self->FailAwaitingRoute(topic, not_found);
          return;
        }
        self->OnRouteResolved(
            topic, BuildPublishInfo(topic, *fallback, self->options_.default_topic_queue_nums),
            false);
      });
    });
  }

  std::vector<std::shared_ptr<AsyncSend>> TakeAwaitingRoute(const std::string& topic) {
    std::lock_guard lock(mu_);
    auto it = awaiting_route_.find(topic);
    if (it == awaiting_route_.end()) return {};
    std::vector<std::shared_ptr<AsyncSend>> waiting = std::move(it->second);
    awaiting_route_.erase(it);
    return waiting;
  }

  void OnRouteResolved(const std::string& topic, PublishInfoPtr info, bool from_topic_route) {
    if (info->queues.empty()) {
      FailAwaitingRoute(topic, NotFoundError("no writable queue with a master for topic " + topic));
      return;
    }
    Remember(topic, info, from_topic_route);
    for (std::shared_ptr<AsyncSend>& state : TakeAwaitingRoute(topic)) {
      state->info = info;
      AttemptAsync(std::move(state));
    }
  }

  void FailAwaitingRoute(const std::string& topic, const Status& error) {
    for (std::shared_ptr<AsyncSend>& state : TakeAwaitingRoute(topic)) {
      Deliver(std::move(state), error);
    }
  }

  Status SendOneway(const Message& message) {
    QUIVER_RETURN_IF_ERROR(CheckRunning());
    QUIVER_ASSIGN_OR_RETURN(PreparedSend send, Prepare(message));
    QUIVER_ASSIGN_OR_RETURN(PublishInfoPtr info, GetPublishInfo(send.topic));
    MessageQueue mq = SelectQueue(*info, "");
    const std::string& address = info->masters.at(mq.broker_name);
    return runtime_->transport().InvokeOneway(address, BuildRequest(send, mq)).WithContext(address);
  }

  std::shared_ptr<ClientRuntime> runtime_;
  ProducerOptions options_;
  LatencyFaultTolerance faults_;
  protocol::UniqueKeyGenerator ids_;
  std::atomic<std::uint64_t> next_queue_;

  enum class State { kCreated, kStarted, kShutdown };
  mutable std::mutex mu_;
  State state_ = State::kCreated;
  TimerPtr heartbeat_timer_;
  std::map<std::string, PublishInfoPtr> publish_infos_;
  std::map<std::string, std::uint64_t> route_subscriptions_;
  std::set<std::string> heartbeat_brokers_;
  // Async sends waiting for the first route of their topic (one lookup per topic).
  std::map<std::string, std::vector<std::shared_ptr<AsyncSend>>> awaiting_route_;
};

QueueSelector SelectByKeyHash(std::string key) {
  return [key = std::move(key)](const std::vector<MessageQueue>& queues, const Message&) {
    const std::int64_t hash =
        std::abs(static_cast<std::int64_t>(protocol::JavaStringHashCode(key)));
    return queues[static_cast<std::size_t>(hash % static_cast<std::int64_t>(queues.size()))];
  };
}

Producer::Producer(std::shared_ptr<ClientRuntime> runtime, ProducerOptions options)
    : impl_(std::make_shared<Impl>(std::move(runtime), std::move(options))) {}
Producer::~Producer() { impl_->Shutdown(); }
Status Producer::Start() { return impl_->Start(); }
void Producer::Shutdown() { impl_->Shutdown(); }

StatusOr<SendResult> Producer::Send(const Message& message) {
  QUIVER_ASSIGN_OR_RETURN(PreparedSend send, impl_->Prepare(message));
  return impl_->SendSync(send, nullptr, nullptr);
}

void Producer::SendAsync(const Message& message, SendCallback done) {
  impl_->SendAsync(message, std::move(done));
}

Status Producer::SendOneway(const Message& message) { return impl_->SendOneway(message); }

StatusOr<SendResult> Producer::Send(const Message& message, const QueueSelector& selector) {
  QUIVER_ASSIGN_OR_RETURN(PreparedSend send, impl_->Prepare(message));
  return impl_->SendSync(send, &selector, &message);
}

StatusOr<SendResult> Producer::SendBatch(const std::vector<Message>& messages) {
  QUIVER_ASSIGN_OR_RETURN(PreparedSend send, impl_->PrepareBatch(messages));
  return impl_->SendSync(send, nullptr, nullptr);
}

StatusOr<std::vector<MessageQueue>> Producer::FetchPublishQueues(const std::string& topic) {
  QUIVER_ASSIGN_OR_RETURN(PublishInfoPtr info, impl_->GetPublishInfo(topic));
  return info->queues;
}

}  // namespace client
}  // namespace v1
}  // namespace quiver
