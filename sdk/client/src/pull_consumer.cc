#include "quiver/client/pull_consumer.h"

#include <spdlog/logger.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "broker_api.h"
#include "message_codec.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_record.h"

namespace quiver {
inline namespace v1 {
namespace client {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr std::int32_t kPullSysFlagSuspend = 0x2;
constexpr std::int32_t kPullSysFlagSubscription = 0x4;
// A broker that answers "no new message" at once (no long polling) is asked again after
// this delay, so an idle Poll does not spin. Pull pacing uses the steady clock because
// Poll waits in real time.
constexpr auto kEmptyPullDelay = std::chrono::milliseconds(20);

// The messages of one pull answer that match the subscription (possibly none), and where
// consuming them moves the queue's consumed offset. Whole answers are buffered and handed
// to Poll by moving their vectors, not message by message.
struct Buffered {
  std::vector<MessageExt> messages;
  std::int64_t offset_after = 0;
};

struct QueueState {
  MessageQueue mq;
  std::optional<std::int64_t> pull_offset;  // unset until the start offset is resolved
  std::int64_t consumed_offset = -1;        // next offset to consume; -1 = nothing yet
  std::int64_t committed_offset = -1;       // last offset sent to the broker
  bool in_flight = false;
  bool resolving = false;
  std::uint64_t generation = 0;  // bumped by Seek: older pull answers are dropped
  SteadyTime retry_after{};
  std::deque<Buffered> buffered;
  std::size_t buffered_messages = 0;  // sum of buffered[i].messages.size()
  // The broker id the last pull answer suggested (suggestWhichBrokerId; 0 = the master).
  std::int64_t suggested_broker = 0;
};
using QueueStatePtr = std::shared_ptr<QueueState>;

}  // namespace

class PullConsumer::Impl : public std::enable_shared_from_this<PullConsumer::Impl> {
 public:
  Impl(std::shared_ptr<ClientRuntime> runtime, PullConsumerOptions options)
      : runtime_(std::move(runtime)), options_(std::move(options)) {}

  Status Subscribe(const std::string& topic, const std::string& expression) {
    if (topic.empty()) return InvalidArgumentError("the topic to subscribe to is empty");
    bool started = false;
    {
      std::lock_guard lock(mu_);
      if (assigned_) return FailedPreconditionError("the consumer has assigned queues");
      subscriptions_[topic] = internal::SubscriptionInfo{
          topic, expression.empty() ? "*" : expression, runtime_->clock().WallMillis()};
      started = state_ == State::kStarted;
    }
    if (started) return WatchTopic(topic);
    return Status::Ok();
  }

  Status Assign(std::vector<MessageQueue> queues) {
    std::set<std::string> topics;
    bool started = false;
    {
      std::lock_guard lock(mu_);
      if (!subscriptions_.empty() && !assigned_) {
        return FailedPreconditionError("the consumer has subscriptions");
      }
      assigned_ = true;
      queues_.clear();
      for (MessageQueue& mq : queues) {
        topics.insert(mq.topic);
        auto state = std::make_shared<QueueState>();
        state->mq = mq;
        queues_[mq] = state;
      }
      for (const std::string& t : topics) {
        subscriptions_.try_emplace(
            t, internal::SubscriptionInfo{t, "*", runtime_->clock().WallMillis()});
      }
      started = state_ == State::kStarted;
    }
    if (started) {
      for (const std::string& t : topics) QUIVER_RETURN_IF_ERROR(WatchTopic(t));
    }
    return Status::Ok();
  }

  Status Start() {
    std::vector<std::string> topics;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kShutdown) return FailedPreconditionError("the consumer is shut down");
      if (state_ == State::kStarted) return Status::Ok();
      state_ = State::kStarted;
      for (const auto& [topic, sub] : subscriptions_) topics.push_back(topic);
      std::weak_ptr<Impl> weak = weak_from_this();
      heartbeat_timer_ = runtime_->clock().RunEvery(options_.heartbeat_interval, [weak] {
        if (auto self = weak.lock()) self->HeartbeatAll();
      });
      if (options_.auto_commit) {
        commit_timer_ = runtime_->clock().RunEvery(options_.auto_commit_interval, [weak] {
          if (auto self = weak.lock()) self->CommitAsync();
        });
      }
    }
    for (const std::string& topic : topics) QUIVER_RETURN_IF_ERROR(WatchTopic(topic));
    return Status::Ok();
  }

  void Shutdown() {
    TimerPtr heartbeat, commit;
    std::vector<std::uint64_t> watches;
    std::set<std::string> brokers;
    bool was_started = false;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kShutdown) return;
      was_started = state_ == State::kStarted;
      state_ = State::kStopping;
      heartbeat = std::move(heartbeat_timer_);
      commit = std::move(commit_timer_);
      for (auto& [topic, id] : watches_) watches.push_back(id);
      watches_.clear();
      for (const auto& [name, address] : masters_) brokers.insert(address);
    }
    if (heartbeat) heartbeat->Cancel();
    if (commit) commit->Cancel();
    for (std::uint64_t id : watches) runtime_->discovery().Unsubscribe(id);
    if (was_started) {
      Status committed = CommitSync();
      if (!committed.ok()) {
        runtime_->logger().warn("committing offsets at shutdown failed: {}", committed.ToString());
      }
      for (const std::string& address : brokers) {
        RemotingCommand request = RemotingCommand::Request(req::kUnregisterClient);
        request.SetExt("clientID", runtime_->client_id());
        request.SetExt("consumerGroup", options_.group);
        runtime_->transport()
            .InvokeOneway(address, std::move(request))
            .IgnoreError();  // best effort
      }
    }
    std::lock_guard lock(mu_);
    state_ = State::kShutdown;
    cv_.notify_all();
  }

  // Resolves the route of `topic` now and follows its changes.
  Status WatchTopic(const std::string& topic) {
    QUIVER_ASSIGN_OR_RETURN(TopicRouteData route, internal::GetRouteSync(*runtime_, topic));
    OnRoute(topic, route);
    std::weak_ptr<Impl> weak = weak_from_this();
    const std::uint64_t id = runtime_->discovery().Subscribe(
        topic, [weak](const std::string& t, const TopicRouteData& r) {
          if (auto self = weak.lock()) self->OnRoute(t, r);
        });
    bool drop = false;
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kStarted || watches_.contains(topic)) {
        drop = true;
      } else {
        watches_[topic] = id;
      }
    }
    if (drop) runtime_->discovery().Unsubscribe(id);
    return Status::Ok();
  }

  void OnRoute(const std::string& topic, const TopicRouteData& route) {
    std::vector<std::string> new_brokers;
    {
      std::lock_guard lock(mu_);
      for (const BrokerData& broker : route.broker_datas) {
        if (auto read = internal::ReadAddress(broker)) readers_[broker.broker_name] = *read;
        broker_addrs_[broker.broker_name] = broker.broker_addrs;
        if (auto master = internal::MasterAddress(broker)) {
          auto [it, inserted] = masters_.insert_or_assign(broker.broker_name, *master);
          if (inserted) new_brokers.push_back(*master);
        } else {
          masters_.erase(broker.broker_name);  // offsets go to a slave while it is down
        }
      }
      if (!assigned_) {
        std::set<MessageQueue> current;
        for (MessageQueue& mq : internal::ReadableQueues(topic, route)) {
          current.insert(mq);
          if (!queues_.contains(mq)) {
            runtime_->logger().info("consumer group {} now reads {}", options_.group,
                                    mq.ToString());
            auto state = std::make_shared<QueueState>();
            state->mq = mq;
            queues_[mq] = state;
          }
        }
        for (auto it = queues_.begin(); it != queues_.end();) {
          if (it->first.topic == topic && !current.contains(it->first)) {
            it = queues_.erase(it);
          } else {
            ++it;
          }
        }
      }
      cv_.notify_all();
    }
    for (const std::string& address : new_brokers) Heartbeat(address);
  }

  protocol::HeartbeatData BuildHeartbeat() {
    protocol::ConsumerData c;
    c.group_name = options_.group;
    c.consume_type = std::string(protocol::kConsumeActively);
    c.consume_from_where = internal::ConsumeFromWhereName(options_.consume_from_where);
    {
      std::lock_guard lock(mu_);
      for (const auto& [topic, sub] : subscriptions_) {
        c.subscription_data_set.push_back(internal::ToSubscriptionData(sub));
      }
    }
    protocol::HeartbeatData heartbeat;
    heartbeat.client_id = runtime_->client_id();
    heartbeat.consumer_data_set.push_back(std::move(c));
    return heartbeat;
  }

  void Heartbeat(const std::string& address) {
    RemotingCommand request = RemotingCommand::Request(req::kHeartBeat);
    request.body = BufferList(Buffer::FromString(protocol::EncodeHeartbeatData(BuildHeartbeat())));
    runtime_->transport().InvokeAsync(address, std::move(request), runtime_->request_timeout(),
                                      [](StatusOr<RemotingCommand>) {});
  }

  void HeartbeatAll() {
    std::set<std::string> brokers;
    {
      std::lock_guard lock(mu_);
      for (const auto& [name, address] : masters_) brokers.insert(address);
    }
    for (const std::string& address : brokers) Heartbeat(address);
  }

  // The broker to ask about offsets of `mq` (its master, else a reader). Lock held.
  std::optional<std::string> OffsetAddressLocked(const MessageQueue& mq) const {
    auto it = masters_.find(mq.broker_name);
    if (it != masters_.end()) return it->second;
    auto r = readers_.find(mq.broker_name);
    if (r != readers_.end()) return r->second;
    return std::nullopt;
  }

  StatusOr<std::string> OffsetAddress(const MessageQueue& mq) const {
    std::lock_guard lock(mu_);
    std::optional<std::string> address = OffsetAddressLocked(mq);
    if (!address) return NotFoundError("no broker address known for " + mq.ToString());
    return *address;
  }

  // Where a queue with no committed offset starts (see the header).
  StatusOr<std::int64_t> StartOffset(const std::string& address, const MessageQueue& mq) {
    StatusOr<std::int64_t> committed =
        internal::QueryConsumerOffset(*runtime_, address, options_.group, mq.topic, mq.queue_id);
    if (committed.ok() && *committed >= 0) return *committed;
    if (!committed.ok() && committed.status().code() != StatusCode::kNotFound) {
      return committed.status();
    }
    QUIVER_ASSIGN_OR_RETURN(std::int64_t min,
                            internal::GetMinOffset(*runtime_, address, mq.topic, mq.queue_id));
    if (min == 0) return 0;
    switch (options_.consume_from_where) {
      case ConsumeFromWhere::kFirstOffset:
        return min;
      case ConsumeFromWhere::kTimestamp:
        return internal::SearchOffsetByTimestamp(*runtime_, address, mq.topic, mq.queue_id,
                                                 options_.consume_timestamp_ms);
      case ConsumeFromWhere::kLastOffset:
        break;
    }
    return internal::GetMaxOffset(*runtime_, address, mq.topic, mq.queue_id);
  }

  void ResolveOffsets() {
    std::vector<std::pair<QueueStatePtr, std::string>> todo;
    {
      std::lock_guard lock(mu_);
      const SteadyTime now = std::chrono::steady_clock::now();
      for (auto& [mq, state] : queues_) {
        if (state->pull_offset || state->resolving || now < state->retry_after) continue;
        std::optional<std::string> address = OffsetAddressLocked(mq);
        if (!address) continue;
        state->resolving = true;
        todo.emplace_back(state, *address);
      }
    }
    for (auto& [state, address] : todo) {
      StatusOr<std::int64_t> offset = StartOffset(address, state->mq);
      std::lock_guard lock(mu_);
      state->resolving = false;
      if (state->pull_offset) continue;  // a Seek won
      if (!offset.ok()) {
        runtime_->logger().warn("start offset of {}: {}", state->mq.ToString(),
                                offset.status().ToString());
        state->retry_after = std::chrono::steady_clock::now() + options_.pull_backoff_on_error;
        continue;
      }
      state->pull_offset = *offset;
      state->consumed_offset = *offset;
    }
  }

  // Takes every buffered message, marking it consumed. Lock held.
  std::vector<MessageExt> TakeBufferedLocked() {
    std::vector<MessageExt> out;
    for (auto& [mq, state] : queues_) {
      for (Buffered& b : state->buffered) {
        state->consumed_offset = b.offset_after;
        if (out.empty()) {
          out = std::move(b.messages);
        } else {
          out.insert(out.end(), std::make_move_iterator(b.messages.begin()),
                     std::make_move_iterator(b.messages.end()));
        }
      }
      state->buffered.clear();
      state->buffered_messages = 0;
    }
    return out;
  }

  void LaunchPulls(Duration suspend) {
    std::vector<std::pair<QueueStatePtr, std::string>> launch;
    {
      std::lock_guard lock(mu_);
      const SteadyTime now = std::chrono::steady_clock::now();
      for (auto& [mq, state] : queues_) {
        if (!state->pull_offset || state->in_flight || now < state->retry_after) continue;
        if (BufferFullLocked(*state)) continue;
        std::optional<std::string> address = PullAddressLocked(*state);
        if (!address) continue;
        state->in_flight = true;
        launch.emplace_back(state, *address);
      }
    }
    for (auto& [state, address] : launch) Pull(state, address, suspend);
  }

  // True when the queue holds pull_threshold_for_queue messages not yet polled: no more
  // pulls for it until Poll takes them (RocketMQ's pullThresholdForQueue). Lock held.
  bool BufferFullLocked(const QueueState& state) const {
    return state.buffered_messages >=
           static_cast<std::size_t>(std::max(1, options_.pull_threshold_for_queue));
  }

  // Where to pull `state`'s queue from (RocketMQ's findBrokerAddressInSubscribe): the broker
  // the last answer suggested, else the next id, else any address of the group (the master
  // first), so reads go to a slave while the master is absent from the route. Lock held.
  std::optional<std::string> PullAddressLocked(const QueueState& state) const {
    auto group = broker_addrs_.find(state.mq.broker_name);
    if (group != broker_addrs_.end()) {
      const auto& addrs = group->second;
      for (std::int64_t id : {state.suggested_broker, state.suggested_broker + 1}) {
        auto it = addrs.find(id);
        if (it != addrs.end() && !it->second.empty()) return it->second;
        if (state.suggested_broker == 0) break;
      }
    }
    auto reader = readers_.find(state.mq.broker_name);
    if (reader == readers_.end()) return std::nullopt;
    return reader->second;
  }

  void Pull(const QueueStatePtr& state, const std::string& address, Duration suspend) {
    std::int64_t offset = 0;
    std::uint64_t generation = 0;
    std::string expression = "*";
    std::int64_t sub_version = 0;
    {
      std::lock_guard lock(mu_);
      offset = *state->pull_offset;
      generation = state->generation;
      auto sub = subscriptions_.find(state->mq.topic);
      if (sub != subscriptions_.end()) {
        expression = sub->second.expression;
        sub_version = sub->second.sub_version;
      }
    }
    const auto suspend_ms = std::chrono::duration_cast<std::chrono::milliseconds>(suspend).count();
    RemotingCommand request = RemotingCommand::Request(req::kPullMessage);
    request.SetExt("consumerGroup", options_.group);
    request.SetExt("topic", state->mq.topic);
    request.SetExt("queueId", std::int64_t{state->mq.queue_id});
    request.SetExt("queueOffset", offset);
    request.SetExt("maxMsgNums", std::int64_t{options_.pull_batch_size});
    request.SetExt("sysFlag", std::int64_t{kPullSysFlagSubscription |
                                           (suspend_ms > 0 ? kPullSysFlagSuspend : 0)});
    request.SetExt("commitOffset", std::int64_t{0});
    request.SetExt("suspendTimeoutMillis", std::int64_t{suspend_ms});
    request.SetExt("subscription", expression);
    request.SetExt("subVersion", sub_version);
    request.SetExt("expressionType", "TAG");
    request.serialize_type = internal::WireSerialization(options_.header_encoding);
    // Weak: a long-polling pull may be in flight for seconds after Shutdown(); a strong
    // reference would make its completion (on a transport I/O thread) drop the last
    // reference to the consumer and with it, possibly, to the runtime, whose destruction
    // unloads the transport plugin under that very thread.
    std::weak_ptr<Impl> weak = weak_from_this();
    runtime_->transport().InvokeAsync(
        address, std::move(request), suspend + runtime_->request_timeout(),
        [weak, state, generation, address, suspend](StatusOr<RemotingCommand> response) {
          if (auto self = weak.lock()) {
            self->OnPulled(state, generation, address, suspend, std::move(response));
          }
        });
  }

  void OnPulled(const QueueStatePtr& state, std::uint64_t generation, const std::string& address,
                Duration suspend, StatusOr<RemotingCommand> response) {
    std::vector<std::string> tags;
    {
      std::lock_guard lock(mu_);
      auto sub = subscriptions_.find(state->mq.topic);
      if (sub != subscriptions_.end()) tags = internal::ParseTagExpression(sub->second.expression);
    }
    // Decode outside the lock.
    std::optional<Buffered> pulled;
    std::optional<std::int64_t> next_offset;
    Status error;
    bool empty = false;
    if (!response.ok()) {
      error = response.status().WithContext("pull " + state->mq.ToString() + " from " + address);
    } else {
      const RemotingCommand& r = *response;
      StatusOr<std::int64_t> next = r.RequireExtInt("nextBeginOffset");
      if (r.code == rc::kSuccess || r.code == rc::kPullNotFound ||
          r.code == rc::kPullRetryImmediately || r.code == rc::kPullOffsetMoved) {
        if (next.ok()) {
          next_offset = *next;
        } else if (r.code != rc::kPullNotFound) {
          error = next.status().WithContext("pull " + state->mq.ToString() + " from " + address);
        }
      }
      if (!error.ok()) {
      } else if (r.code == rc::kSuccess) {
        // The records are decoded in place: the body is one slice of the received frame.
        const Buffer bytes = r.body.Contiguous();
        StatusOr<std::vector<protocol::DecodedRecord>> records =
            protocol::DecodeRecords(bytes.span(), protocol::CheckCrc(options_.verify_body_crc));
        if (!records.ok()) {
          error = records.status().WithContext("pull " + state->mq.ToString() + " from " + address);
          next_offset.reset();
        } else {
          pulled.emplace();
          pulled->messages.reserve(records->size());
          for (const protocol::DecodedRecord& record : *records) {
            MessageExt m = internal::ToMessageExt(record, state->mq.broker_name);
            pulled->offset_after = record.queue_offset.value() + 1;
            if (internal::TagMatches(tags, m.tags)) pulled->messages.push_back(std::move(m));
          }
          if (next_offset) pulled->offset_after = *next_offset;
          if (records->empty() && !next_offset) pulled.reset();
        }
      } else if (r.code == rc::kPullNotFound || r.code == rc::kPullRetryImmediately) {
        empty = r.code == rc::kPullNotFound;
      } else if (r.code == rc::kPullOffsetMoved) {
        runtime_->logger().warn("{}: offset moved, continuing at {}", state->mq.ToString(),
                                next_offset.value_or(-1));
        if (next_offset) pulled = Buffered{{}, *next_offset};
      } else {
        error =
            internal::BrokerResponseError(address, r).WithContext("pull " + state->mq.ToString());
      }
    }

    std::optional<std::string> pull_again;
    {
      std::lock_guard lock(mu_);
      state->in_flight = false;
      ++events_;
      cv_.notify_all();
      // Follow the broker's suggestion for the next pull; after a failure start over at the
      // master (or whatever the route offers).
      state->suggested_broker =
          response.ok() ? response->GetExtInt("suggestWhichBrokerId", 0).value_or(0) : 0;
      if (state->generation != generation) return;  // a Seek moved the queue meanwhile
      if (!error.ok()) {
        runtime_->logger().warn("{}", error.ToString());
        state->retry_after = std::chrono::steady_clock::now() + options_.pull_backoff_on_error;
        return;
      }
      if (next_offset) state->pull_offset = *next_offset;
      const bool found = pulled.has_value() && !empty;
      if (pulled) {
        state->buffered_messages += pulled->messages.size();
        state->buffered.push_back(std::move(*pulled));
      }
      if (empty) state->retry_after = std::chrono::steady_clock::now() + kEmptyPullDelay;
      // A queue that answered with messages is pulled again at once, while Poll's caller
      // works through what is buffered (catch-up reads never wait for the next Poll).
      if (found && state_ == State::kStarted && state->pull_offset && !BufferFullLocked(*state)) {
        pull_again = PullAddressLocked(*state);
        if (pull_again) state->in_flight = true;
      }
    }
    if (pull_again) Pull(state, *pull_again, suspend);
  }

  StatusOr<std::vector<MessageExt>> Poll(Duration timeout) {
    const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (state_ != State::kStarted) {
          return FailedPreconditionError("the consumer is not started");
        }
      }
      ResolveOffsets();
      std::uint64_t seen = 0;
      {
        std::unique_lock lock(mu_);
        std::vector<MessageExt> out = TakeBufferedLocked();
        seen = events_;
        if (!out.empty()) {
          lock.unlock();
          // Queues that stopped at pull_threshold_for_queue have room again.
          LaunchPulls(std::min<Duration>(timeout, options_.long_polling_suspend));
          return out;
        }
      }
      const SteadyTime now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::vector<MessageExt>{};
      const Duration remaining = deadline - now;
      LaunchPulls(std::min<Duration>(remaining, options_.long_polling_suspend));
      std::unique_lock lock(mu_);
      SteadyTime wake = deadline;
      for (auto& [mq, state] : queues_) {
        if (!state->in_flight && state->retry_after > now)
          wake = std::min(wake, state->retry_after);
        if (!state->pull_offset) wake = std::min(wake, std::max(now, state->retry_after));
      }
      cv_.wait_until(lock, wake, [&] {
        if (events_ != seen || state_ != State::kStarted) return true;
        for (auto& [mq, state] : queues_) {
          if (!state->buffered.empty()) return true;
        }
        return false;
      });
    }
  }

  struct CommitItem {
    QueueStatePtr state;
    std::string address;
    std::int64_t offset;
  };

  std::vector<CommitItem> PendingCommits() {
    std::vector<CommitItem> items;
    std::lock_guard lock(mu_);
    for (auto& [mq, state] : queues_) {
      if (state->consumed_offset < 0 || state->consumed_offset == state->committed_offset) continue;
      std::optional<std::string> address = OffsetAddressLocked(mq);
      if (!address) continue;
      items.push_back(CommitItem{state, *address, state->consumed_offset});
    }
    return items;
  }

  Status CommitSync() {
    Status first_error;
    for (CommitItem& item : PendingCommits()) {
      StatusOr<RemotingCommand> response = internal::CallExpectSuccess(
          *runtime_, item.address,
          internal::UpdateConsumerOffsetRequest(options_.group, item.state->mq.topic,
                                                item.state->mq.queue_id, item.offset));
      if (!response.ok()) {
        if (first_error.ok()) first_error = response.status();
        continue;
      }
      std::lock_guard lock(mu_);
      item.state->committed_offset = item.offset;
    }
    return first_error;
  }

  // The auto-commit timer: one-way updates, as Java's RemoteBrokerOffsetStore does.
  void CommitAsync() {
    for (CommitItem& item : PendingCommits()) {
      Status sent = runtime_->transport().InvokeOneway(
          item.address,
          internal::UpdateConsumerOffsetRequest(options_.group, item.state->mq.topic,
                                                item.state->mq.queue_id, item.offset));
      if (!sent.ok()) {
        runtime_->logger().warn("commit offset of {}: {}", item.state->mq.ToString(),
                                sent.ToString());
        continue;
      }
      std::lock_guard lock(mu_);
      item.state->committed_offset = item.offset;
    }
  }

  StatusOr<QueueOffset> Committed(const MessageQueue& mq) {
    QUIVER_ASSIGN_OR_RETURN(std::string address, OffsetAddress(mq));
    QUIVER_ASSIGN_OR_RETURN(
        std::int64_t offset,
        internal::QueryConsumerOffset(*runtime_, address, options_.group, mq.topic, mq.queue_id));
    return QueueOffset(offset);
  }

  Status Seek(const MessageQueue& mq, std::int64_t offset) {
    std::lock_guard lock(mu_);
    auto it = queues_.find(mq);
    if (it == queues_.end()) return NotFoundError(mq.ToString() + " is not assigned");
    QueueState& state = *it->second;
    ++state.generation;
    state.buffered.clear();
    state.buffered_messages = 0;
    state.pull_offset = offset;
    state.consumed_offset = offset;
    state.retry_after = {};
    cv_.notify_all();
    return Status::Ok();
  }

  std::vector<MessageQueue> Assignment() const {
    std::lock_guard lock(mu_);
    std::vector<MessageQueue> out;
    for (const auto& [mq, state] : queues_) out.push_back(mq);
    return out;
  }

  std::shared_ptr<ClientRuntime> runtime_;
  PullConsumerOptions options_;

  enum class State { kCreated, kStarted, kStopping, kShutdown };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kCreated;
  bool assigned_ = false;
  std::uint64_t events_ = 0;
  std::map<std::string, internal::SubscriptionInfo> subscriptions_;
  std::map<MessageQueue, QueueStatePtr> queues_;
  std::map<std::string, std::string> readers_;  // broker name -> address to pull from
  // broker name -> broker id -> address, from the routes (slave reads).
  std::map<std::string, std::map<std::int64_t, std::string>> broker_addrs_;
  std::map<std::string, std::string> masters_;  // broker name -> master (offsets, heartbeats)
  std::map<std::string, std::uint64_t> watches_;
  TimerPtr heartbeat_timer_;
  TimerPtr commit_timer_;
};

PullConsumer::PullConsumer(std::shared_ptr<ClientRuntime> runtime, PullConsumerOptions options)
    : impl_(std::make_shared<Impl>(std::move(runtime), std::move(options))) {}
PullConsumer::~PullConsumer() { impl_->Shutdown(); }

Status PullConsumer::Subscribe(const std::string& topic, const std::string& expression) {
  return impl_->Subscribe(topic, expression);
}
Status PullConsumer::Assign(std::vector<MessageQueue> queues) {
  return impl_->Assign(std::move(queues));
}
Status PullConsumer::Start() { return impl_->Start(); }
void PullConsumer::Shutdown() { impl_->Shutdown(); }
StatusOr<std::vector<MessageExt>> PullConsumer::Poll(Duration timeout) {
  return impl_->Poll(timeout);
}
Status PullConsumer::CommitSync() { return impl_->CommitSync(); }
StatusOr<QueueOffset> PullConsumer::Committed(const MessageQueue& queue) {
  return impl_->Committed(queue);
}
Status PullConsumer::Seek(const MessageQueue& queue, QueueOffset offset) {
  return impl_->Seek(queue, offset.value());
}
Status PullConsumer::SeekToBeginning(const MessageQueue& queue) {
  QUIVER_ASSIGN_OR_RETURN(std::string address, impl_->OffsetAddress(queue));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t offset, internal::GetMinOffset(*impl_->runtime_, address,
                                                                      queue.topic, queue.queue_id));
  return impl_->Seek(queue, offset);
}
Status PullConsumer::SeekToEnd(const MessageQueue& queue) {
  QUIVER_ASSIGN_OR_RETURN(std::string address, impl_->OffsetAddress(queue));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t offset, internal::GetMaxOffset(*impl_->runtime_, address,
                                                                      queue.topic, queue.queue_id));
  return impl_->Seek(queue, offset);
}
Status PullConsumer::SeekToTimestamp(const MessageQueue& queue, std::int64_t timestamp_ms) {
  QUIVER_ASSIGN_OR_RETURN(std::string address, impl_->OffsetAddress(queue));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t offset,
                          internal::SearchOffsetByTimestamp(*impl_->runtime_, address, queue.topic,
                                                            queue.queue_id, timestamp_ms));
  return impl_->Seek(queue, offset);
}
std::vector<MessageQueue> PullConsumer::Assignment() const { return impl_->Assignment(); }
StatusOr<std::vector<MessageQueue>> PullConsumer::FetchMessageQueues(const std::string& topic) {
  QUIVER_ASSIGN_OR_RETURN(TopicRouteData route, internal::GetRouteSync(*impl_->runtime_, topic));
  return internal::ReadableQueues(topic, route);
}

}  // namespace client
}  // namespace v1
}  // namespace quiver
