#pragma once
// In-memory stand-ins for what a ClientRuntime bundles, for client and tools unit tests:
// a manual clock, a one-thread executor, a fake transport that routes requests by address
// to handlers, a fake Discovery fed by the test, and a fake broker that answers the
// client's requests with the real codecs (records from protocol::EncodeRecord, batches
// decoded per rocketmq-protocol.md §4.4). FakeCluster wires them into a FakeRuntime.
//
// Threading: every class is thread-safe. FakeTransport runs handlers and completions
// inline on the calling thread (deterministic; the client never holds a lock across an
// invocation). ManualClock fires timers only inside Advance(), on the caller's thread.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/registry.h"
#include "quiver/route.h"
#include "quiver/testing/manual_clock.h"
#include "quiver/transport.h"

namespace quiver::inline v1::client::testing {

using protocol::RemotingCommand;

using ManualClock = ::quiver::testing::ManualClock;

class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor();
  ~ThreadExecutor() override;
  void Post(std::function<void()> fn) override;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

class FakeTransport final : public TransportClient {
 public:
  using Handler = std::function<RemotingCommand(const RemotingCommand& request)>;

  // Requests to `address` go to `handler`; an address without a handler fails with
  // kUnavailable "connect to ADDRESS failed".
  void SetHandler(const std::string& address, Handler handler);
  // Every later request to `address` fails with `error` (kOk clears the fault).
  void SetFault(const std::string& address, Status error);

  struct Sent {
    std::string address;
    RemotingCommand request;
    bool oneway = false;
  };
  std::vector<Sent> Requests() const;
  std::vector<Sent> RequestsWithCode(std::int32_t code) const;

  void InvokeAsync(const std::string& address, RemotingCommand request, Duration timeout,
                   ResponseCallback done) override;
  StatusOr<RemotingCommand> InvokeSync(const std::string& address, RemotingCommand request,
                                       Duration timeout) override;
  Status InvokeOneway(const std::string& address, RemotingCommand request) override;
  void RegisterHandler(std::int32_t, RequestHandler) override {}
  void CloseConnection(const std::string&) override {}
  void Stop() override {}

 private:
  StatusOr<RemotingCommand> Dispatch(const std::string& address, RemotingCommand request,
                                     bool oneway);
  mutable std::mutex mu_;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, Status> faults_;
  std::vector<Sent> sent_;
};

class FakeDiscovery final : public Discovery {
 public:
  // Sets (or replaces) a topic's route and notifies its subscribers inline.
  void SetRoute(const std::string& topic, const TopicRouteData& route);
  void SetClusterInfo(ClusterInfo info);
  // Later GetRoute answers are posted to `executor` instead of running inline, as a
  // registry plugin answering from its cache does (null: inline again).
  void AnswerRoutesOn(Executor* executor);

  Status Start() override { return Status::Ok(); }
  void Stop() override {}
  void GetRoute(const std::string& topic, RouteCallback done) override;
  std::uint64_t Subscribe(const std::string& topic, RouteListener listener) override;
  void Unsubscribe(std::uint64_t subscription) override;
  void GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) override;
  void GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) override;
  Status Health() const override { return Status::Ok(); }
  std::size_t subscription_count() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, TopicRouteData> routes_;
  ClusterInfo cluster_info_;
  Executor* route_executor_ = nullptr;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::pair<std::string, RouteListener>> listeners_;
};

// One broker group's master, in memory.
class FakeBroker {
 public:
  FakeBroker(std::string name, std::string address, ManualClock& clock);

  FakeTransport::Handler AsHandler();
  const std::string& name() const { return name_; }
  const std::string& address() const { return address_; }

  void CreateTopic(const std::string& topic, int queues);
  // Stores a message as a SEND would (tags -> TAGS property), returning its queue offset.
  std::int64_t Append(const std::string& topic, int queue_id, const std::string& body,
                      const std::string& tags = "");
  // As Append, with extra stored properties (RETRY_TOPIC of a retried message, say).
  std::int64_t AppendWithProperties(const std::string& topic, int queue_id,
                                    const std::string& body,
                                    std::map<std::string, std::string> properties);
  // Flips a bit of a stored record's body CRC (a record corrupted after it was written).
  void CorruptBodyCrc(const std::string& topic, int queue_id, std::int64_t offset);
  // Deletes messages below `min_offset` (as an expired commit-log segment would).
  void DeleteBelow(const std::string& topic, int queue_id, std::int64_t min_offset);
  // The next `count` SEND requests are answered with `code` (and the remark "injected").
  void FailNextSends(int count, std::int32_t code);
  void SetCommittedOffset(const std::string& group, const std::string& topic, int queue_id,
                          std::int64_t offset);
  std::optional<std::int64_t> CommittedOffset(const std::string& group, const std::string& topic,
                                              int queue_id) const;
  void SetRuntimeInfo(std::map<std::string, std::string> table);

  struct Stored {
    std::string topic;
    int queue_id = 0;
    std::int32_t flag = 0;
    std::string body;
    std::string properties;
  };
  std::vector<Stored> Messages(const std::string& topic) const;
  std::map<std::string, int> Topics() const;  // topic -> queue count
  std::vector<std::string> heartbeats() const;

  // Consumer groups as push consumers need them: members are the client ids whose
  // HEART_BEAT named the group (until UNREGISTER_CLIENT); GET_CONSUMER_LIST_BY_GROUP lists
  // them sorted; LOCK_BATCH_MQ grants a queue to the first client asking (and again to it);
  // CONSUMER_SEND_MSG_BACK is recorded and answered SUCCESS.
  std::set<std::string> ConsumerIds(const std::string& group) const;
  void AddConsumer(const std::string& group, const std::string& client_id);
  void RemoveConsumer(const std::string& group, const std::string& client_id);
  struct SentBack {
    std::string group;
    std::int64_t commit_log_offset = 0;
    std::int64_t delay_level = 0;
    std::string origin_topic;
  };
  std::vector<SentBack> sent_back() const;
  // The client holding the broker lock of a queue ("" = none).
  std::string LockHolder(const std::string& group, const std::string& topic, int queue_id) const;

 private:
  struct Queue {
    std::int64_t min_offset = 0;
    std::vector<std::vector<std::uint8_t>> records;  // index = offset - base
    std::int64_t base = 0;
  };
  RemotingCommand Handle(const RemotingCommand& request);
  RemotingCommand HandleSend(const RemotingCommand& request);
  RemotingCommand HandlePull(const RemotingCommand& request);
  std::int64_t AppendLocked(const std::string& topic, int queue_id, std::int32_t flag,
                            const std::string& body, const std::string& properties);
  Queue* FindQueue(const std::string& topic, std::int64_t queue_id);

  std::string name_;
  std::string address_;
  ManualClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Queue>> topics_;
  std::map<std::tuple<std::string, std::string, int>, std::int64_t> offsets_;
  std::vector<Stored> stored_;
  std::int64_t physical_offset_ = 0;
  int failures_left_ = 0;
  std::int32_t failure_code_ = 0;
  std::map<std::string, std::string> runtime_info_;
  std::vector<std::string> heartbeats_;
  std::map<std::string, std::set<std::string>> consumers_;  // group -> client ids
  std::map<std::tuple<std::string, std::string, int>, std::string> locks_;  // group,topic,q
  std::vector<SentBack> sent_back_;
};

class FakeRuntime final : public ClientRuntime {
 public:
  FakeRuntime(FakeTransport& transport, FakeDiscovery& discovery, ManualClock& clock,
              Executor& executor, std::string client_id = "127.0.0.1@test");
  TransportClient& transport() override { return transport_; }
  Discovery& discovery() override { return discovery_; }
  Clock& clock() override { return clock_; }
  Executor& executor() override { return executor_; }
  spdlog::logger& logger() override { return *logger_; }
  std::string client_id() const override { return client_id_; }
  Duration request_timeout() const override { return std::chrono::seconds(3); }

 private:
  FakeTransport& transport_;
  FakeDiscovery& discovery_;
  ManualClock& clock_;
  Executor& executor_;
  std::string client_id_;
  std::shared_ptr<spdlog::logger> logger_;
};

// Brokers (one master each) in cluster "DefaultCluster", a discovery that knows them, and
// runtimes built on the lot. Brokers are named broker-a, broker-b, ... at 10.0.0.1:10911, ...
class FakeCluster {
 public:
  explicit FakeCluster(int brokers = 1);
  FakeBroker& broker(int i) { return *brokers_.at(i); }
  // Creates the topic with `queues` queues on every broker and publishes its route.
  void CreateTopic(const std::string& topic, int queues);
  // Publishes the topic's route from the brokers' current topic tables.
  void PublishRoute(const std::string& topic);
  std::shared_ptr<ClientRuntime> NewRuntime();
  // A runtime with its own client id (several members of one consumer group).
  std::shared_ptr<ClientRuntime> NewRuntime(const std::string& client_id);
  // The one-thread executor every runtime of this cluster shares.
  Executor& executor() { return executor_; }

  ManualClock clock;
  FakeTransport transport;
  FakeDiscovery discovery;

 private:
  std::vector<std::unique_ptr<FakeBroker>> brokers_;
  ThreadExecutor executor_;  // declared last: destroyed first, joining its thread
};

}  // namespace quiver::inline v1::client::testing
