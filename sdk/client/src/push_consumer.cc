#include "quiver/client/push_consumer.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <thread>
#include <variant>

#include "allocate_message_queue.h"
#include "broker_api.h"
#include "local_offset_store.h"
#include "message_codec.h"
#include "process_queue.h"
#include "quiver/client/producer.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_record.h"

namespace quiver {
inline namespace v1 {
namespace client {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using internal::ProcessQueue;
using protocol::RemotingCommand;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr std::int32_t kPullSysFlagCommitOffset = 0x1;
constexpr std::int32_t kPullSysFlagSuspend = 0x2;
constexpr std::int32_t kPullSysFlagSubscription = 0x4;
constexpr const char* kRetryTopicPrefix = "%RETRY%";
constexpr const char* kPropertyRetryTopic = "RETRY_TOPIC";
constexpr const char* kPropertyOriginMessageId = "ORIGIN_MESSAGE_ID";
constexpr const char* kPropertyReconsumeTime = "RECONSUME_TIME";
constexpr const char* kPropertyMaxReconsumeTimes = "MAX_RECONSUME_TIMES";
constexpr const char* kPropertyDelay = "DELAY";
constexpr const char* kInnerProducerGroup = "CLIENT_INNER_PRODUCER";
// Java's defaults (ConsumeMessageConcurrentlyService / ConsumeMessageOrderlyService).
constexpr int kDefaultMaxReconsumeConcurrently = 16;
constexpr std::int64_t kConsumeConcurrentlyMaxSpan = 2000;
constexpr auto kLocalRetryDelay = std::chrono::seconds(5);
constexpr auto kLockMaxLive = std::chrono::seconds(30);  // REBALANCE_LOCK_MAX_LIVE_TIME
constexpr auto kMaxTimeConsumeContinuously = std::chrono::seconds(60);
constexpr auto kOrderlyLockRetryDelay = std::chrono::milliseconds(100);
constexpr auto kLockedQueueRetryDelay = std::chrono::seconds(1);
// Clustering, concurrent: a queue taken over from another live member is first pulled this
// long after the rebalance that assigned it. The previous owner got the same notification
// and commits its offset when it drops the queue; starting before that commit would
// consume its last messages a second time. (Orderly hand-over waits on the broker lock.)
constexpr auto kHandOverGrace = std::chrono::milliseconds(500);
// A broker that answers "no new message" at once (no long polling) is asked again after
// this delay, so an idle queue does not spin.
constexpr auto kEmptyPullDelay = std::chrono::milliseconds(20);

std::int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs functions at a time (steady clock) on one thread. Functions must not block.
class Scheduler {
 public:
  Scheduler() : thread_([this] { Run(); }) {}
  ~Scheduler() { Stop(); }

  void Schedule(Duration delay, std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (stop_) return;
    tasks_.push(Task{std::chrono::steady_clock::now() + delay, seq_++, std::move(fn)});
    cv_.notify_one();
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  struct Task {
    SteadyTime at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Task& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (tasks_.empty()) {
        cv_.wait(lock);
        continue;
      }
      // A copy: wait_until reads its deadline while the lock is released, and a Schedule()
      // meanwhile may reallocate the queue's storage.
      const SteadyTime next = tasks_.top().at;
      if (next > std::chrono::steady_clock::now()) {
        cv_.wait_until(lock, next);
        continue;
      }
      std::function<void()> fn = tasks_.top().fn;
      tasks_.pop();
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Task, std::vector<Task>, std::greater<>> tasks_;
  std::uint64_t seq_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// A fixed pool of threads running submitted functions in submission order.
class ConsumePool {
 public:
  explicit ConsumePool(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~ConsumePool() { Stop(); }
  void Submit(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (stop_) return;
    tasks_.push_back(std::move(fn));
    cv_.notify_one();
  }
  // Drops queued functions, waits for running ones.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      tasks_.clear();
      cv_.notify_all();
    }
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      std::function<void()> fn = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// One assigned queue: its process queue and where its next pull starts.
struct QueueEntry {
  MessageQueue mq;
  ProcessQueue pq;
  std::int64_t next_offset = 0;  // touched by the pull path only (one pull at a time)
};
using QueueEntryPtr = std::shared_ptr<QueueEntry>;

std::string EncodeLockBody(const std::string& group, const std::string& client_id,
                           const std::vector<MessageQueue>& queues) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("consumerGroup");
  w.String(group.c_str());
  w.Key("clientId");
  w.String(client_id.c_str());
  w.Key("mqSet");
  w.StartArray();
  for (const MessageQueue& mq : queues) {
    w.StartObject();
    w.Key("topic");
    w.String(mq.topic.c_str());
    w.Key("brokerName");
    w.String(mq.broker_name.c_str());
    w.Key("queueId");
    w.Int(mq.queue_id);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<std::vector<MessageQueue>> DecodeLockOkBody(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return InvalidArgumentError("LOCK_BATCH_MQ response body is not a JSON object");
  }
  std::vector<MessageQueue> out;
  if (!doc.HasMember("lockOKMQSet")) return out;
  if (!doc["lockOKMQSet"].IsArray()) return InvalidArgumentError("lockOKMQSet is not an array");
  for (const auto& e : doc["lockOKMQSet"].GetArray()) {
    if (!e.IsObject() || !e.HasMember("topic") || !e["topic"].IsString() ||
        !e.HasMember("brokerName") || !e["brokerName"].IsString() || !e.HasMember("queueId") ||
        !e["queueId"].IsInt()) {
      return InvalidArgumentError("lockOKMQSet entry lacks topic, brokerName or queueId");
    }
    out.push_back(
        MessageQueue{e["topic"].GetString(), e["brokerName"].GetString(), e["queueId"].GetInt()});
  }
  return out;
}

}  // namespace

class PushConsumer::Impl : public std::enable_shared_from_this<PushConsumer::Impl> {
 public:
  Impl(std::shared_ptr<ClientRuntime> runtime, PushConsumerOptions options)
      : runtime_(std::move(runtime)), options_(std::move(options)) {
    options_.consume_batch_max_size = std::max(1, options_.consume_batch_max_size);
    options_.pull_batch_size = std::max(1, options_.pull_batch_size);
  }

  bool clustering() const { return options_.message_model == MessageModel::kClustering; }
  bool orderly() const { return std::holds_alternative<OrderlyListener>(listener_); }
  std::string retry_topic() const { return kRetryTopicPrefix + options_.group; }
  int max_reconsume_times() const {
    if (options_.max_reconsume_times >= 0) return options_.max_reconsume_times;
    return orderly() ? std::numeric_limits<int>::max() : kDefaultMaxReconsumeConcurrently;
  }

  Status Subscribe(const std::string& topic, const std::string& expression) {
    if (topic.empty()) return InvalidArgumentError("the topic to subscribe to is empty");
    std::lock_guard lock(mu_);
    if (state_ != State::kCreated) {
      return FailedPreconditionError("subscribe before Start(): the consumer is started");
    }
    subscriptions_[topic] = internal::SubscriptionInfo{topic, expression.empty() ? "*" : expression,
                                                       runtime_->clock().WallMillis()};
    return Status::Ok();
  }

  template <typename L>
  Status SetListener(L listener) {
    std::lock_guard lock(mu_);
    if (state_ != State::kCreated) return FailedPreconditionError("the consumer is started");
    if (!std::holds_alternative<std::monostate>(listener_)) {
      return FailedPreconditionError("a listener is already registered");
    }
    if (!listener) return InvalidArgumentError("the listener is empty");
    listener_ = std::move(listener);
    return Status::Ok();
  }

  Status Start() {
    std::vector<std::string> topics;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kStarted) return Status::Ok();
      if (state_ != State::kCreated) return FailedPreconditionError("the consumer is shut down");
      if (std::holds_alternative<std::monostate>(listener_)) {
        return FailedPreconditionError("register a listener before Start()");
      }
      if (subscriptions_.empty()) return FailedPreconditionError("subscribe before Start()");
      if (clustering()) {
        subscriptions_.try_emplace(
            retry_topic(),
            internal::SubscriptionInfo{retry_topic(), "*", runtime_->clock().WallMillis()});
      }
      for (const auto& [topic, sub] : subscriptions_) topics.push_back(topic);
    }
    if (!clustering()) {
      local_offsets_ = std::make_unique<internal::LocalOffsetStore>(
          options_.offset_store_dir, runtime_->client_id(), options_.group);
      Status loaded = local_offsets_->Load();
      if (!loaded.ok()) {
        if (options_.corrupt_offset_file == CorruptOffsetFilePolicy::kFail) return loaded;
        runtime_->logger().warn("{}; starting without offsets (corrupt_offset_file = start fresh)",
                                loaded.ToString());
      }
    }
    // Routes: every subscribed topic must have one, except the retry topic, which the
    // broker creates at our first heartbeat.
    for (const std::string& topic : topics) {
      StatusOr<TopicRouteData> route = internal::GetRouteSync(*runtime_, topic);
      if (route.ok()) {
        OnRoute(topic, *route, /*trigger=*/false);
      } else if (topic != retry_topic()) {
        return route.status();
      }
    }
    {
      std::lock_guard lock(mu_);
      state_ = State::kStarted;
    }
    scheduler_ = std::make_unique<Scheduler>();
    pool_ = std::make_unique<ConsumePool>(options_.consume_threads);
    std::weak_ptr<Impl> weak = weak_from_this();
    for (const std::string& topic : topics) {
      const std::uint64_t id = runtime_->discovery().Subscribe(
          topic, [weak](const std::string& t, const TopicRouteData& r) {
            if (auto self = weak.lock()) self->OnRoute(t, r, /*trigger=*/true);
          });
      std::lock_guard lock(mu_);
      watches_.push_back(id);
    }
    notify_listener_ = runtime_->AddConsumerIdsChangedListener([weak](const std::string& group) {
      if (auto self = weak.lock()) {
        if (group == self->options_.group) self->RequestWork(Work::kRebalance);
      }
    });
    auto every = [&](Duration interval, Work work) {
      return runtime_->clock().RunEvery(interval, [weak, work] {
        if (auto self = weak.lock()) self->RequestWork(work);
      });
    };
    timers_.push_back(every(options_.rebalance_interval, Work::kRebalance));
    timers_.push_back(every(options_.heartbeat_interval, Work::kHeartbeat));
    timers_.push_back(every(options_.persist_interval, Work::kPersist));
    if (orderly() && clustering()) {
      timers_.push_back(every(options_.lock_renew_interval, Work::kLock));
    }
    // Heartbeat synchronously, so the brokers list this member before its first rebalance.
    HeartbeatAll(/*sync=*/true);
    Rebalance();
    service_ = std::thread([this] { ServiceLoop(); });
    return Status::Ok();
  }

  bool Running() const {
    std::lock_guard lock(mu_);
    return state_ == State::kStarted;
  }

  void Shutdown() {
    std::map<MessageQueue, QueueEntryPtr> queues;
    std::vector<std::uint64_t> watches;
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kShutdown || state_ == State::kStopping) return;
      if (state_ == State::kCreated) {
        state_ = State::kShutdown;
        return;
      }
      state_ = State::kStopping;
      // Dropped first: a listener still running from now on has its result ignored, so
      // the offsets sent below never pass a message that was not finished.
      for (auto& [mq, entry] : queues_) entry->pq.set_dropped();
      queues = queues_;
      watches.swap(watches_);
      work_cv_.notify_all();
    }
    for (TimerPtr& t : timers_) t->Cancel();
    timers_.clear();
    runtime_->RemoveConsumerIdsChangedListener(notify_listener_);
    for (std::uint64_t id : watches) runtime_->discovery().Unsubscribe(id);
    if (service_.joinable()) service_.join();
    if (scheduler_) scheduler_->Stop();
    if (pool_) pool_->Stop();
    PersistOffsets(/*sync=*/true);
    if (orderly() && clustering()) {
      std::vector<MessageQueue> mqs;
      for (auto& [mq, entry] : queues) mqs.push_back(mq);
      Unlock(mqs);
    }
    for (const std::string& address : BrokerAddresses()) {
      RemotingCommand request = RemotingCommand::Request(req::kUnregisterClient);
      request.SetExt("clientID", runtime_->client_id());
      request.SetExt("consumerGroup", options_.group);
      // Synchronous: the broker tells the rest of the group before this process exits.
      internal::Call(*runtime_, address, std::move(request)).status().IgnoreError();
    }
    std::unique_ptr<Producer> inner;
    {
      std::lock_guard lock(mu_);
      inner = std::move(inner_producer_);
      queues_.clear();
      state_ = State::kShutdown;
    }
    if (inner) inner->Shutdown();
  }

  std::vector<MessageQueue> Assignment() const {
    std::lock_guard lock(mu_);
    std::set<MessageQueue> out;  // consuming, and waiting for their hand-over grace
    for (const auto& [mq, entry] : queues_) out.insert(mq);
    for (const auto& [mq, due] : hand_over_due_) out.insert(mq);
    return {out.begin(), out.end()};
  }

  PushConsumerStats Stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

  // ---- service thread: rebalance, heartbeats, offsets, locks ----

  enum Work : unsigned { kRebalance = 1, kHeartbeat = 2, kPersist = 4, kLock = 8 };

  void RequestWork(Work work) {
    std::lock_guard lock(mu_);
    pending_work_ |= work;
    work_cv_.notify_all();
  }

  void ServiceLoop() {
    for (;;) {
      unsigned work = 0;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return state_ != State::kStarted || pending_work_ != 0; });
        if (state_ != State::kStarted) return;
        work = pending_work_;
        pending_work_ = 0;
      }
      if (work & kHeartbeat) HeartbeatAll(/*sync=*/false);
      if (work & kRebalance) Rebalance();
      if (work & kPersist) PersistOffsets(/*sync=*/false);
      if (work & kLock) LockAll();
    }
  }

  void OnRoute(const std::string& topic, const TopicRouteData& route, bool trigger) {
    bool new_broker = false;
    {
      std::lock_guard lock(mu_);
      auto old = routes_.find(topic);
      const bool changed = old == routes_.end() || !(old->second == route);
      routes_[topic] = route;
      for (const BrokerData& broker : route.broker_datas) {
        if (auto read = internal::ReadAddress(broker)) readers_[broker.broker_name] = *read;
        if (auto master = internal::MasterAddress(broker)) {
          auto [it, inserted] = masters_.insert_or_assign(broker.broker_name, *master);
          new_broker = new_broker || inserted;
        }
      }
      if (trigger && changed && state_ == State::kStarted) pending_work_ |= kRebalance;
      if (trigger && new_broker && state_ == State::kStarted) pending_work_ |= kHeartbeat;
      work_cv_.notify_all();
    }
  }

  std::set<std::string> BrokerAddresses() const {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [name, address] : masters_) out.insert(address);
    return out;
  }

  protocol::HeartbeatData BuildHeartbeat() {
    protocol::ConsumerData c;
    c.group_name = options_.group;
    c.consume_type = std::string(protocol::kConsumePassively);
    c.message_model = std::string(clustering() ? protocol::kClustering : protocol::kBroadcasting);
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

  void HeartbeatAll(bool sync) {
    const std::string body = protocol::EncodeHeartbeatData(BuildHeartbeat());
    for (const std::string& address : BrokerAddresses()) {
      RemotingCommand request = RemotingCommand::Request(req::kHeartBeat);
      request.body = BufferList(Buffer::FromString(body));
      if (sync) {
        StatusOr<RemotingCommand> r = internal::CallExpectSuccess(*runtime_, address, request);
        if (!r.ok()) runtime_->logger().warn("heartbeat: {}", r.status().ToString());
      } else {
        runtime_->transport().InvokeAsync(address, std::move(request), runtime_->request_timeout(),
                                          [](StatusOr<RemotingCommand>) {});
      }
    }
  }

  StatusOr<std::vector<std::string>> ConsumerIds(const TopicRouteData& route) {
    Status last = UnavailableError("no broker of the topic has an address");
    // Every member asks the same broker first (sorted by name), so that members agree on
    // the member list while a join is still reaching the other brokers.
    std::vector<BrokerData> brokers = route.broker_datas;
    std::sort(brokers.begin(), brokers.end(), [](const BrokerData& a, const BrokerData& b) {
      return a.broker_name < b.broker_name;
    });
    for (const BrokerData& broker : brokers) {
      std::optional<std::string> address = internal::MasterAddress(broker);
      if (!address) address = internal::ReadAddress(broker);
      if (!address) continue;
      RemotingCommand request = RemotingCommand::Request(req::kGetConsumerListByGroup);
      request.SetExt("consumerGroup", options_.group);
      StatusOr<RemotingCommand> response =
          internal::CallExpectSuccess(*runtime_, *address, std::move(request));
      if (!response.ok()) {
        last = response.status();
        continue;
      }
      const std::vector<std::uint8_t> bytes = response->body.Flatten();
      StatusOr<std::vector<std::string>> ids = protocol::DecodeConsumerIdList(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!ids.ok()) {
        last = ids.status().WithContext("consumer list from " + *address);
        continue;
      }
      return ids;
    }
    return last;
  }

  void Rebalance() {
    std::map<std::string, TopicRouteData> routes;
    std::vector<std::string> topics;
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kStarted && state_ != State::kCreated) return;
      ++stats_.rebalances;
      for (const auto& [topic, sub] : subscriptions_) topics.push_back(topic);
      routes = routes_;
    }
    for (const std::string& topic : topics) {
      auto it = routes.find(topic);
      if (it == routes.end()) {
        StatusOr<TopicRouteData> route = internal::GetRouteSync(*runtime_, topic);
        if (!route.ok()) {
          runtime_->logger().debug("rebalance {}: {}", topic, route.status().ToString());
          continue;
        }
        OnRoute(topic, *route, /*trigger=*/false);
        it = routes.emplace(topic, *route).first;
      }
      std::vector<MessageQueue> all = internal::ReadableQueues(topic, it->second);
      std::vector<MessageQueue> mine;
      bool shared_group = false;
      if (!clustering()) {
        mine = all;
      } else {
        StatusOr<std::vector<std::string>> ids = ConsumerIds(it->second);
        if (!ids.ok()) {
          runtime_->logger().warn("rebalance {} of group {}: {}", topic, options_.group,
                                  ids.status().ToString());
          continue;
        }
        std::sort(ids->begin(), ids->end());
        shared_group = ids->size() > 1;
        mine = options_.allocate_strategy == AllocateStrategy::kRoundRobin
                   ? internal::AllocateByCircle(runtime_->client_id(), all, *ids)
                   : internal::AllocateAveragely(runtime_->client_id(), all, *ids);
      }
      UpdateQueues(topic, mine, shared_group);
    }
  }

  // `shared_group`: other members are online, so a newly assigned queue may be handed
  // over by one of them (kHandOverGrace).
  void UpdateQueues(const std::string& topic, const std::vector<MessageQueue>& mine,
                    bool shared_group) {
    const std::set<MessageQueue> wanted(mine.begin(), mine.end());
    std::vector<QueueEntryPtr> removed;
    std::vector<MessageQueue> added;
    bool waiting_for_hand_over = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& [mq, entry] : queues_) {
        if (mq.topic == topic && !wanted.contains(mq)) removed.push_back(entry);
      }
      std::erase_if(hand_over_due_, [&](const auto& item) {
        return item.first.topic == topic && !wanted.contains(item.first);
      });
      const SteadyTime now = std::chrono::steady_clock::now();
      for (const MessageQueue& mq : mine) {
        if (queues_.contains(mq)) continue;
        if (shared_group && clustering() && !orderly()) {
          auto due = hand_over_due_.try_emplace(mq, now + kHandOverGrace).first;
          if (now < due->second) {
            waiting_for_hand_over = true;
            continue;
          }
          hand_over_due_.erase(due);
        }
        added.push_back(mq);
      }
    }
    if (waiting_for_hand_over && scheduler_) {
      std::weak_ptr<Impl> weak = weak_from_this();
      scheduler_->Schedule(kHandOverGrace, [weak] {
        if (auto self = weak.lock()) self->RequestWork(Work::kRebalance);
      });
    }
    for (const QueueEntryPtr& entry : removed) {
      if (DropQueue(entry)) {
        std::lock_guard lock(mu_);
        queues_.erase(entry->mq);
      }
    }
    if (!added.empty() && orderly() && clustering()) {
      std::set<MessageQueue> locked = Lock(added);
      const std::size_t wanted_count = added.size();
      std::erase_if(added, [&](const MessageQueue& mq) { return !locked.contains(mq); });
      // The previous owner still holds some locks (it releases them once its hand-over
      // commit is done): try again shortly instead of at the next periodic rebalance.
      if (added.size() < wanted_count && scheduler_) {
        std::weak_ptr<Impl> weak = weak_from_this();
        scheduler_->Schedule(kLockedQueueRetryDelay, [weak] {
          if (auto self = weak.lock()) self->RequestWork(Work::kRebalance);
        });
      }
    }
    for (const MessageQueue& mq : added) {
      StatusOr<std::int64_t> offset = StartOffset(mq);
      if (!offset.ok()) {
        runtime_->logger().warn("start offset of {}: {}", mq.ToString(),
                                offset.status().ToString());
        if (orderly() && clustering()) Unlock({mq});
        continue;
      }
      auto entry = std::make_shared<QueueEntry>();
      entry->mq = mq;
      entry->next_offset = *offset;
      if (orderly() && clustering()) {
        entry->pq.set_locked(true);
        entry->pq.set_last_lock_ms(SteadyMillis());
      }
      {
        std::lock_guard lock(mu_);
        if (state_ != State::kStarted && state_ != State::kCreated) return;
        queues_[mq] = entry;
      }
      runtime_->logger().info("group {} now consumes {} from offset {}", options_.group,
                              mq.ToString(), *offset);
      SchedulePull(entry, Duration::zero());
    }
  }

  // Hands a queue over: stop, commit, unlock. False when an orderly listener is still
  // running on it (the queue stays, dropped, and the next rebalance tries again).
  bool DropQueue(const QueueEntryPtr& entry) {
    entry->pq.set_dropped();
    std::unique_lock<std::mutex> consuming(entry->pq.consume_mutex(), std::defer_lock);
    if (orderly()) {
      const SteadyTime deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (!consuming.try_lock()) {
        if (std::chrono::steady_clock::now() >= deadline) {
          runtime_->logger().warn("{}: the orderly listener is still running; hand-over later",
                                  entry->mq.ToString());
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    PersistOffset(entry->mq, /*sync=*/true);
    {
      std::lock_guard lock(mu_);
      offsets_.erase(entry->mq);
      sent_offsets_.erase(entry->mq);
    }
    if (orderly() && clustering()) Unlock({entry->mq});
    runtime_->logger().info("group {} no longer consumes {}", options_.group, entry->mq.ToString());
    return true;
  }

  std::optional<std::string> MasterOf(const std::string& broker_name) const {
    std::lock_guard lock(mu_);
    auto it = masters_.find(broker_name);
    if (it != masters_.end()) return it->second;
    auto r = readers_.find(broker_name);
    if (r != readers_.end()) return r->second;
    return std::nullopt;
  }

  StatusOr<std::int64_t> StartOffset(const MessageQueue& mq) {
    std::optional<std::string> address = MasterOf(mq.broker_name);
    if (!address) return NotFoundError("no broker address known for " + mq.ToString());
    if (clustering()) {
      StatusOr<std::int64_t> committed =
          internal::QueryConsumerOffset(*runtime_, *address, options_.group, mq.topic, mq.queue_id);
      if (committed.ok() && *committed >= 0) return *committed;
      if (!committed.ok() && committed.status().code() != StatusCode::kNotFound) {
        return committed.status();
      }
      if (mq.topic.starts_with(kRetryTopicPrefix)) return 0;
    } else if (std::optional<std::int64_t> local = local_offsets_->Read(mq)) {
      return *local;
    }
    QUIVER_ASSIGN_OR_RETURN(std::int64_t min,
                            internal::GetMinOffset(*runtime_, *address, mq.topic, mq.queue_id));
    if (min == 0) return 0;  // DESIGN §8: a queue still holding offset 0 starts there
    switch (options_.consume_from_where) {
      case ConsumeFromWhere::kFirstOffset:
        return min;
      case ConsumeFromWhere::kTimestamp:
        return internal::SearchOffsetByTimestamp(*runtime_, *address, mq.topic, mq.queue_id,
                                                 options_.consume_timestamp_ms);
      case ConsumeFromWhere::kLastOffset:
        break;
    }
    return internal::GetMaxOffset(*runtime_, *address, mq.topic, mq.queue_id);
  }

  // ---- offsets ----

  void UpdateOffset(const MessageQueue& mq, std::int64_t offset, bool increase_only) {
    if (!clustering()) {
      local_offsets_->Update(mq, offset, increase_only);
      return;
    }
    std::lock_guard lock(mu_);
    auto [it, inserted] = offsets_.try_emplace(mq, offset);
    if (!inserted && (!increase_only || offset > it->second)) it->second = offset;
  }

  std::optional<std::int64_t> ReadOffset(const MessageQueue& mq) const {
    if (!clustering()) return local_offsets_->Read(mq);
    std::lock_guard lock(mu_);
    auto it = offsets_.find(mq);
    if (it == offsets_.end()) return std::nullopt;
    return it->second;
  }

  void PersistOffset(const MessageQueue& mq, bool sync) {
    if (!clustering()) {
      Status s = local_offsets_->Persist();
      if (!s.ok()) runtime_->logger().warn("persist offsets: {}", s.ToString());
      return;
    }
    std::optional<std::int64_t> offset = ReadOffset(mq);
    std::optional<std::string> address = MasterOf(mq.broker_name);
    if (!offset || !address) return;
    RemotingCommand request =
        internal::UpdateConsumerOffsetRequest(options_.group, mq.topic, mq.queue_id, *offset);
    Status sent =
        sync ? internal::CallExpectSuccess(*runtime_, *address, std::move(request)).status()
             : runtime_->transport().InvokeOneway(*address, std::move(request));
    if (!sent.ok()) {
      runtime_->logger().warn("commit offset {} of {}: {}", *offset, mq.ToString(),
                              sent.ToString());
      return;
    }
    std::lock_guard lock(mu_);
    sent_offsets_[mq] = *offset;
  }

  // Every assigned queue whose offset moved since it was last sent (RocketMQ's persistAll
  // every 5 s; one-way unless `sync`).
  void PersistOffsets(bool sync) {
    if (!clustering()) {
      if (local_offsets_) PersistOffset(MessageQueue{}, sync);
      return;
    }
    std::vector<MessageQueue> todo;
    {
      std::lock_guard lock(mu_);
      for (const auto& [mq, offset] : offsets_) {
        auto sent = sent_offsets_.find(mq);
        if (sent == sent_offsets_.end() || sent->second != offset) todo.push_back(mq);
      }
    }
    for (const MessageQueue& mq : todo) PersistOffset(mq, sync);
  }

  // ---- orderly locks ----

  std::set<MessageQueue> Lock(const std::vector<MessageQueue>& queues) {
    std::map<std::string, std::vector<MessageQueue>> by_broker;
    for (const MessageQueue& mq : queues) by_broker[mq.broker_name].push_back(mq);
    std::set<MessageQueue> locked;
    for (auto& [broker, mqs] : by_broker) {
      std::optional<std::string> address = MasterOf(broker);
      if (!address) continue;
      RemotingCommand request = RemotingCommand::Request(req::kLockBatchMq);
      request.body = BufferList(
          Buffer::FromString(EncodeLockBody(options_.group, runtime_->client_id(), mqs)));
      StatusOr<RemotingCommand> response =
          internal::CallExpectSuccess(*runtime_, *address, std::move(request));
      if (!response.ok()) {
        runtime_->logger().warn("lock queues of {}: {}", broker, response.status().ToString());
        continue;
      }
      const std::vector<std::uint8_t> bytes = response->body.Flatten();
      StatusOr<std::vector<MessageQueue>> ok = DecodeLockOkBody(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!ok.ok()) {
        runtime_->logger().warn("lock queues of {}: {}", broker, ok.status().ToString());
        continue;
      }
      locked.insert(ok->begin(), ok->end());
    }
    return locked;
  }

  void Unlock(const std::vector<MessageQueue>& queues) {
    std::map<std::string, std::vector<MessageQueue>> by_broker;
    for (const MessageQueue& mq : queues) by_broker[mq.broker_name].push_back(mq);
    for (auto& [broker, mqs] : by_broker) {
      std::optional<std::string> address = MasterOf(broker);
      if (!address) continue;
      RemotingCommand request = RemotingCommand::Request(req::kUnlockBatchMq);
      request.body = BufferList(
          Buffer::FromString(EncodeLockBody(options_.group, runtime_->client_id(), mqs)));
      StatusOr<RemotingCommand> r =
          internal::CallExpectSuccess(*runtime_, *address, std::move(request));
      if (!r.ok())
        runtime_->logger().warn("unlock queues of {}: {}", broker, r.status().ToString());
    }
  }

  // Renews the locks of every assigned queue (every lock_renew_interval).
  void LockAll() {
    std::map<MessageQueue, QueueEntryPtr> queues;
    {
      std::lock_guard lock(mu_);
      queues = queues_;
    }
    std::vector<MessageQueue> mqs;
    for (auto& [mq, entry] : queues) mqs.push_back(mq);
    std::set<MessageQueue> locked = Lock(mqs);
    for (auto& [mq, entry] : queues) {
      const bool ok = locked.contains(mq);
      entry->pq.set_locked(ok);
      if (ok) entry->pq.set_last_lock_ms(SteadyMillis());
    }
  }

  bool LockValid(ProcessQueue& pq) const {
    return pq.locked() &&
           SteadyMillis() - pq.last_lock_ms() <=
               std::chrono::duration_cast<std::chrono::milliseconds>(kLockMaxLive).count();
  }

  // ---- pulling ----

  void SchedulePull(const QueueEntryPtr& entry, Duration delay) {
    std::weak_ptr<Impl> weak = weak_from_this();
    if (scheduler_) {
      scheduler_->Schedule(delay, [weak, entry] {
        if (auto self = weak.lock()) self->Pull(entry);
      });
    }
  }

  void Pull(const QueueEntryPtr& entry) {
    ProcessQueue& pq = entry->pq;
    if (pq.dropped() || !Running()) return;
    const bool over_count =
        pq.message_count() > static_cast<std::size_t>(options_.pull_threshold_for_queue);
    const bool over_size = pq.message_bytes() > options_.pull_threshold_size_for_queue;
    const bool over_span = !orderly() && pq.max_span() > kConsumeConcurrentlyMaxSpan;
    if (over_count || over_size || over_span) {
      {
        std::lock_guard lock(mu_);
        ++stats_.flow_control_pauses;
      }
      SchedulePull(entry, options_.flow_control_delay);
      return;
    }
    if (orderly() && clustering() && !pq.locked()) {
      SchedulePull(entry, options_.pull_backoff_on_error);
      return;
    }
    std::string address;
    std::string expression = "*";
    std::int64_t sub_version = 0;
    {
      std::lock_guard lock(mu_);
      auto reader = readers_.find(entry->mq.broker_name);
      if (reader != readers_.end()) address = reader->second;
      auto sub = subscriptions_.find(entry->mq.topic);
      if (sub != subscriptions_.end()) {
        expression = sub->second.expression;
        sub_version = sub->second.sub_version;
      }
      ++stats_.pulls;
    }
    if (address.empty()) {
      SchedulePull(entry, options_.pull_backoff_on_error);
      return;
    }
    std::int32_t sys_flag = kPullSysFlagSuspend | kPullSysFlagSubscription;
    std::int64_t commit_offset = 0;
    if (clustering()) {
      if (std::optional<std::int64_t> o = ReadOffset(entry->mq); o && *o > 0) {
        commit_offset = *o;
        sys_flag |= kPullSysFlagCommitOffset;
      }
    }
    const auto suspend_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.long_polling_suspend)
            .count();
    RemotingCommand request = RemotingCommand::Request(req::kPullMessage);
    request.SetExt("consumerGroup", options_.group);
    request.SetExt("topic", entry->mq.topic);
    request.SetExt("queueId", std::int64_t{entry->mq.queue_id});
    request.SetExt("queueOffset", entry->next_offset);
    request.SetExt("maxMsgNums", std::int64_t{options_.pull_batch_size});
    request.SetExt("sysFlag", std::int64_t{sys_flag});
    request.SetExt("commitOffset", commit_offset);
    request.SetExt("suspendTimeoutMillis", std::int64_t{suspend_ms});
    request.SetExt("subscription", expression);
    request.SetExt("subVersion", sub_version);
    request.SetExt("expressionType", "TAG");
    // Weak: see PullConsumer::Pull (a long poll may complete after Shutdown).
    std::weak_ptr<Impl> weak = weak_from_this();
    const SteadyTime sent = std::chrono::steady_clock::now();
    runtime_->transport().InvokeAsync(
        address, std::move(request), options_.pull_timeout,
        [weak, entry, address, sent, expression](StatusOr<RemotingCommand> response) {
          if (auto self = weak.lock()) {
            self->OnPulled(entry, address, expression, sent, std::move(response));
          }
        });
  }

  // A message from `%RETRY%<group>` is handed out under its original topic.
  void RestoreRetryTopic(MessageExt& m) const {
    if (m.topic != retry_topic()) return;
    auto it = m.properties.find(kPropertyRetryTopic);
    if (it != m.properties.end() && !it->second.empty()) m.topic = it->second;
  }

  void OnPulled(const QueueEntryPtr& entry, const std::string& address,
                const std::string& expression, SteadyTime sent,
                StatusOr<RemotingCommand> response) {
    ProcessQueue& pq = entry->pq;
    if (pq.dropped() || !Running()) return;
    const std::string what = "pull " + entry->mq.ToString() + " from " + address;
    if (!response.ok()) {
      runtime_->logger().warn("{}: {}", what, response.status().ToString());
      SchedulePull(entry, options_.pull_backoff_on_error);
      return;
    }
    const RemotingCommand& r = *response;
    StatusOr<std::int64_t> next = r.RequireExtInt("nextBeginOffset");
    if (r.code == rc::kSuccess && next.ok()) {
      std::vector<std::uint8_t> bytes = r.body.Flatten();
      StatusOr<std::vector<protocol::DecodedRecord>> records =
          protocol::DecodeRecords(bytes, protocol::CheckCrc::kYes);
      if (!records.ok()) {
        runtime_->logger().warn("{}: {}", what, records.status().ToString());
        SchedulePull(entry, options_.pull_backoff_on_error);
        return;
      }
      const std::vector<std::string> tags = internal::ParseTagExpression(expression);
      std::vector<MessageExt> messages;
      for (const protocol::DecodedRecord& record : *records) {
        MessageExt m = internal::ToMessageExt(record, entry->mq.broker_name);
        if (!internal::TagMatches(tags, m.tags)) continue;
        RestoreRetryTopic(m);
        messages.push_back(std::move(m));
      }
      entry->next_offset = *next;
      if (messages.empty()) {
        CorrectTagsOffset(entry);
      } else {
        Dispatch(entry, std::move(messages));
      }
      SchedulePull(entry, Duration::zero());
      return;
    }
    if ((r.code == rc::kPullNotFound || r.code == rc::kPullRetryImmediately ||
         r.code == rc::kPullOffsetMoved) &&
        next.ok()) {
      if (r.code == rc::kPullOffsetMoved) {
        runtime_->logger().warn("{}: offset {} moved, continuing at {}", what, entry->next_offset,
                                *next);
      }
      entry->next_offset = *next;
      CorrectTagsOffset(entry);
      const bool instant = std::chrono::steady_clock::now() - sent < kEmptyPullDelay;
      SchedulePull(entry,
                   r.code == rc::kPullNotFound && instant ? kEmptyPullDelay : Duration::zero());
      return;
    }
    if (r.code == rc::kPullNotFound) {  // without nextBeginOffset
      SchedulePull(entry, kEmptyPullDelay);
      return;
    }
    runtime_->logger().warn(
        "{}: {}", what,
        (next.ok() ? internal::BrokerResponseError(address, r) : next.status()).ToString());
    SchedulePull(entry, options_.pull_backoff_on_error);
  }

  // Nothing held and nothing matched: the offset moves to the next pull's (Java's
  // correctTagsOffset), so a group filtering most tags still commits progress.
  void CorrectTagsOffset(const QueueEntryPtr& entry) {
    if (entry->pq.message_count() == 0) UpdateOffset(entry->mq, entry->next_offset, true);
  }

  void Dispatch(const QueueEntryPtr& entry, std::vector<MessageExt> messages) {
    if (orderly()) {
      if (entry->pq.PutMessages(std::move(messages))) SubmitOrderly(entry, Duration::zero());
      return;
    }
    entry->pq.PutMessages(messages);
    const std::size_t batch = static_cast<std::size_t>(options_.consume_batch_max_size);
    for (std::size_t i = 0; i < messages.size(); i += batch) {
      std::vector<MessageExt> part(
          std::make_move_iterator(messages.begin() + i),
          std::make_move_iterator(messages.begin() + std::min(messages.size(), i + batch)));
      SubmitConcurrently(entry, std::move(part), Duration::zero());
    }
  }

  // ---- concurrent consumption ----

  void SubmitConcurrently(const QueueEntryPtr& entry, std::vector<MessageExt> messages,
                          Duration delay) {
    std::weak_ptr<Impl> weak = weak_from_this();
    auto task = [weak, entry, messages = std::move(messages)]() mutable {
      if (auto self = weak.lock()) self->ConsumeConcurrently(entry, std::move(messages));
    };
    if (delay == Duration::zero()) {
      if (pool_) pool_->Submit(std::move(task));
      return;
    }
    auto* pool = pool_.get();
    if (scheduler_ && pool) {
      scheduler_->Schedule(delay, [weak, pool, task = std::move(task)]() mutable {
        if (auto self = weak.lock()) pool->Submit(std::move(task));
      });
    }
  }

  void ConsumeConcurrently(const QueueEntryPtr& entry, std::vector<MessageExt> messages) {
    if (entry->pq.dropped()) return;
    ConsumeResult result = ConsumeResult::kRetryLater;
    try {
      result = std::get<ConcurrentListener>(listener_)(messages);
    } catch (const std::exception& e) {
      runtime_->logger().warn("listener threw on {}: {}", entry->mq.ToString(), e.what());
    } catch (...) {
      runtime_->logger().warn("listener threw on {}", entry->mq.ToString());
    }
    if (entry->pq.dropped()) return;  // handed over meanwhile: the new owner consumes again
    std::vector<MessageExt> done;
    std::vector<MessageExt> again;
    if (result == ConsumeResult::kSuccess) {
      std::lock_guard lock(mu_);
      stats_.consumed += static_cast<std::int64_t>(messages.size());
      done = std::move(messages);
    } else if (!clustering()) {
      // Broadcasting does not retry (as RocketMQ): the message is dropped.
      for (const MessageExt& m : messages) {
        runtime_->logger().warn("broadcasting: dropping {} after a failed consume", m.msg_id);
      }
      done = std::move(messages);
    } else {
      for (MessageExt& m : messages) {
        if (SendBack(m, /*delay_level=*/0)) {
          done.push_back(std::move(m));
        } else {
          again.push_back(std::move(m));
        }
      }
    }
    const std::int64_t offset = entry->pq.RemoveMessages(done);
    if (offset >= 0 && !entry->pq.dropped()) UpdateOffset(entry->mq, offset, true);
    if (!again.empty()) {
      for (MessageExt& m : again) ++m.reconsume_times;
      SubmitConcurrently(entry, std::move(again), kLocalRetryDelay);
    }
  }

  // CONSUMER_SEND_MSG_BACK to the broker that stores `m`; when that fails, a copy goes to
  // the retry topic through the internal producer (delay_level -1: straight to the DLQ).
  bool SendBack(const MessageExt& m, int delay_level) {
    std::optional<std::string> address = MasterOf(m.queue.broker_name);
    const std::string origin_id = m.properties.contains(kPropertyOriginMessageId)
                                      ? m.properties.at(kPropertyOriginMessageId)
                                      : m.msg_id;
    if (address) {
      RemotingCommand request = RemotingCommand::Request(req::kConsumerSendMsgBack);
      request.SetExt("offset", m.commit_log_offset.value());
      request.SetExt("group", options_.group);
      request.SetExt("delayLevel", std::int64_t{delay_level});
      request.SetExt("originMsgId", origin_id);
      request.SetExt("originTopic", m.topic);
      request.SetExt("unitMode", "false");
      request.SetExt("maxReconsumeTimes", std::int64_t{max_reconsume_times()});
      StatusOr<RemotingCommand> r =
          internal::CallExpectSuccess(*runtime_, *address, std::move(request));
      if (r.ok()) {
        std::lock_guard lock(mu_);
        ++stats_.sent_back;
        return true;
      }
      runtime_->logger().warn("send back {}: {}; re-sending it to {}", m.msg_id,
                              r.status().ToString(),
                              delay_level < 0 ? "%DLQ%" + options_.group : retry_topic());
    }
    Producer* producer = InnerProducer();
    if (producer == nullptr) return false;
    Message copy(delay_level < 0 ? "%DLQ%" + options_.group : retry_topic(), m.tags, "", m.body);
    copy.keys = m.keys;
    copy.flag = m.flag;
    copy.properties = m.properties;
    copy.properties.erase(std::string(protocol::kPropertyUniqKey));
    copy.properties.erase(std::string(internal::kPropertyWait));
    copy.properties.try_emplace(kPropertyRetryTopic, m.topic);
    copy.properties[kPropertyOriginMessageId] = origin_id;
    copy.properties[kPropertyReconsumeTime] = std::to_string(m.reconsume_times + 1);
    copy.properties[kPropertyMaxReconsumeTimes] = std::to_string(max_reconsume_times());
    if (delay_level >= 0) copy.properties[kPropertyDelay] = std::to_string(3 + m.reconsume_times);
    StatusOr<SendResult> sent = producer->Send(copy);
    if (!sent.ok()) {
      runtime_->logger().warn("re-send {} to {}: {}", m.msg_id, copy.topic,
                              sent.status().ToString());
      return false;
    }
    std::lock_guard lock(mu_);
    ++stats_.sent_back;
    return true;
  }

  Producer* InnerProducer() {
    std::lock_guard lock(mu_);
    if (!inner_producer_) {
      inner_producer_ = std::make_unique<Producer>(
          runtime_, ProducerOptions{.group = kInnerProducerGroup, .retry_times = 1});
      if (!inner_producer_->Start().ok()) {
        inner_producer_.reset();
        return nullptr;
      }
    }
    return inner_producer_.get();
  }

  // ---- orderly consumption ----

  void SubmitOrderly(const QueueEntryPtr& entry, Duration delay) {
    std::weak_ptr<Impl> weak = weak_from_this();
    auto task = [weak, entry] {
      if (auto self = weak.lock()) self->ConsumeOrderly(entry);
    };
    if (delay == Duration::zero()) {
      if (pool_) pool_->Submit(std::move(task));
      return;
    }
    auto* pool = pool_.get();
    if (scheduler_ && pool) {
      scheduler_->Schedule(delay, [weak, pool, task = std::move(task)]() mutable {
        if (auto self = weak.lock()) pool->Submit(std::move(task));
      });
    }
  }

  void ConsumeOrderly(const QueueEntryPtr& entry) {
    ProcessQueue& pq = entry->pq;
    // One thread per queue: a second task for the same queue waits here.
    std::lock_guard consuming(pq.consume_mutex());
    const SteadyTime started = std::chrono::steady_clock::now();
    for (;;) {
      if (pq.dropped()) return;
      if (clustering() && !LockValid(pq)) {
        SubmitOrderly(entry, kOrderlyLockRetryDelay);
        return;
      }
      if (std::chrono::steady_clock::now() - started > kMaxTimeConsumeContinuously) {
        SubmitOrderly(entry, std::chrono::milliseconds(10));  // let other queues run
        return;
      }
      std::vector<MessageExt> messages =
          pq.TakeMessages(static_cast<std::size_t>(options_.consume_batch_max_size));
      if (messages.empty()) return;
      OrderlyConsumeResult result = OrderlyConsumeResult::kSuspendCurrentQueueAMoment;
      try {
        result = std::get<OrderlyListener>(listener_)(messages);
      } catch (const std::exception& e) {
        runtime_->logger().warn("listener threw on {}: {}", entry->mq.ToString(), e.what());
      } catch (...) {
        runtime_->logger().warn("listener threw on {}", entry->mq.ToString());
      }
      if (pq.dropped()) return;
      bool commit = result == OrderlyConsumeResult::kSuccess;
      if (commit) {
        std::lock_guard lock(mu_);
        stats_.consumed += static_cast<std::int64_t>(messages.size());
      } else {
        // Past max_reconsume_times a message goes to the DLQ; the batch commits only when
        // every message of it did.
        bool all_dead = true;
        for (MessageExt& m : messages) {
          if (m.reconsume_times < max_reconsume_times() || !SendBack(m, /*delay_level=*/-1)) {
            all_dead = false;
          }
        }
        commit = all_dead;
      }
      if (!commit) {
        for (MessageExt& m : messages) ++m.reconsume_times;
        pq.MakeMessagesToConsumeAgain(messages);
        SubmitOrderly(entry, options_.suspend_current_queue_time);
        return;
      }
      const std::int64_t offset = pq.Commit();
      if (offset >= 0 && !pq.dropped()) UpdateOffset(entry->mq, offset, false);
    }
  }

  std::shared_ptr<ClientRuntime> runtime_;
  PushConsumerOptions options_;
  std::variant<std::monostate, ConcurrentListener, OrderlyListener> listener_;

  enum class State { kCreated, kStarted, kStopping, kShutdown };
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  State state_ = State::kCreated;
  unsigned pending_work_ = 0;
  PushConsumerStats stats_;
  std::map<std::string, internal::SubscriptionInfo> subscriptions_;
  std::map<std::string, TopicRouteData> routes_;
  std::map<std::string, std::string> readers_;  // broker name -> address to pull from
  std::map<std::string, std::string> masters_;  // broker name -> master
  std::map<MessageQueue, QueueEntryPtr> queues_;
  // Queues assigned to this member but not started yet: when their hand-over grace ends.
  std::map<MessageQueue, SteadyTime> hand_over_due_;
  std::map<MessageQueue, std::int64_t> offsets_;               // clustering: to commit
  std::map<MessageQueue, std::int64_t> sent_offsets_;          // clustering: last sent
  std::unique_ptr<internal::LocalOffsetStore> local_offsets_;  // broadcasting
  std::unique_ptr<Producer> inner_producer_;
  std::vector<std::uint64_t> watches_;
  std::uint64_t notify_listener_ = 0;
  std::vector<TimerPtr> timers_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ConsumePool> pool_;
  std::thread service_;
};

PushConsumer::PushConsumer(std::shared_ptr<ClientRuntime> runtime, PushConsumerOptions options)
    : impl_(std::make_shared<Impl>(std::move(runtime), std::move(options))) {}
PushConsumer::~PushConsumer() { impl_->Shutdown(); }

Status PushConsumer::Subscribe(const std::string& topic, const std::string& expression) {
  return impl_->Subscribe(topic, expression);
}
Status PushConsumer::RegisterListener(ConcurrentListener listener) {
  return impl_->SetListener(std::move(listener));
}
Status PushConsumer::RegisterListener(OrderlyListener listener) {
  return impl_->SetListener(std::move(listener));
}
Status PushConsumer::Start() { return impl_->Start(); }
void PushConsumer::Shutdown() { impl_->Shutdown(); }
bool PushConsumer::Running() const { return impl_->Running(); }
std::vector<MessageQueue> PushConsumer::Assignment() const { return impl_->Assignment(); }
PushConsumerStats PushConsumer::Stats() const { return impl_->Stats(); }

}  // namespace client
}  // namespace v1
}  // namespace quiver
