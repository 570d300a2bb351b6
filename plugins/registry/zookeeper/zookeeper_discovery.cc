#include "zookeeper_discovery.h"

#include <vector>

namespace quiver::registry::zookeeper {
namespace {

Status NotStarted() {
  return FailedPreconditionError("registry.zookeeper: discovery is not started");
}

Status NoRoute(const std::string& topic) {
  return NotFoundError("route of topic " + topic +
                       ": no broker in ZooKeeper serves the topic (TOPIC_NOT_EXIST)");
}

}  // namespace

ZookeeperDiscovery::ZookeeperDiscovery(PluginContext& context, ZookeeperConfig config)
    : state_(std::make_shared<State>()),
      tree_(BrokerTree::Make(context, std::move(config), "discovery")) {
  state_->context = &context;
  std::weak_ptr<State> weak = state_;
  std::weak_ptr<BrokerTree> weak_tree = tree_;
  tree_->SetChangeListener([weak, weak_tree] {
    auto state = weak.lock();
    auto tree = weak_tree.lock();
    if (state && tree) Notify(state, *tree->Snapshot());
  });
}

ZookeeperDiscovery::~ZookeeperDiscovery() { Stop(); }

Status ZookeeperDiscovery::Start() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->running) {
      return FailedPreconditionError("registry.zookeeper: discovery already started");
    }
  }
  QUIVER_RETURN_IF_ERROR(tree_->Start());
  {
    std::lock_guard lock(state_->mu);
    state_->running = true;
  }
  Notify(state_, *tree_->Snapshot());
  return Status::Ok();
}

void ZookeeperDiscovery::Stop() {
  {
    std::lock_guard lock(state_->mu);
    state_->running = false;
  }
  tree_->Stop();
}

void ZookeeperDiscovery::Notify(const std::shared_ptr<State>& state,
                                const BrokerSnapshot& brokers) {
  struct Call {
    RouteListener listener;
    std::string topic;
    TopicRouteData route;
  };
  std::vector<Call> calls;
  {
    std::lock_guard lock(state->mu);
    if (!state->running) return;
    for (auto& [topic, last] : state->notified) {
      std::optional<TopicRouteData> now = BuildRoute(brokers, topic);
      if (now == last) continue;
      // Gone: an empty route, as the name-server discovery reports TOPIC_NOT_EXIST.
      TopicRouteData route = now.value_or(TopicRouteData{});
      for (const auto& [id, s] : state->subscribers) {
        if (s.topic == topic) calls.push_back(Call{s.listener, topic, route});
      }
      last = std::move(now);
    }
  }
  for (Call& c : calls) {
    state->context->executor->Post([c = std::move(c)] { c.listener(c.topic, c.route); });
  }
}

void ZookeeperDiscovery::GetRoute(const std::string& topic, RouteCallback done) {
  bool running;
  {
    std::lock_guard lock(state_->mu);
    running = state_->running;
  }
  std::shared_ptr<const BrokerSnapshot> brokers = tree_->Snapshot();
  state_->context->executor->Post([running, brokers, topic, done = std::move(done)] {
    if (!running) return done(NotStarted());
    std::optional<TopicRouteData> route = BuildRoute(*brokers, topic);
    if (!route) return done(NoRoute(topic));
    done(std::move(*route));
  });
}

std::uint64_t ZookeeperDiscovery::Subscribe(const std::string& topic, RouteListener listener) {
  std::uint64_t id;
  std::optional<TopicRouteData> known;
  std::shared_ptr<const BrokerSnapshot> brokers = tree_->Snapshot();
  {
    std::lock_guard lock(state_->mu);
    id = ++state_->next_subscription;
    state_->subscribers[id] = Subscriber{topic, std::move(listener)};
    auto it = state_->notified.find(topic);
    if (it == state_->notified.end()) {
      it = state_->notified.emplace(topic, BuildRoute(*brokers, topic)).first;
    }
    known = it->second;
  }
  if (known) {
    // Known now: tell this subscriber alone, later, on the executor.
    std::shared_ptr<State> state = state_;
    state_->context->executor->Post([state, id, topic, route = std::move(*known)] {
      RouteListener l;
      {
        std::lock_guard lock(state->mu);
        auto it = state->subscribers.find(id);
        if (it == state->subscribers.end()) return;
        l = it->second.listener;
      }
      l(topic, route);
    });
  }
  return id;
}

void ZookeeperDiscovery::Unsubscribe(std::uint64_t subscription) {
  std::lock_guard lock(state_->mu);
  auto it = state_->subscribers.find(subscription);
  if (it == state_->subscribers.end()) return;
  std::string topic = it->second.topic;
  state_->subscribers.erase(it);
  for (const auto& [id, s] : state_->subscribers) {
    if (s.topic == topic) return;
  }
  state_->notified.erase(topic);
}

void ZookeeperDiscovery::GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) {
  bool running;
  {
    std::lock_guard lock(state_->mu);
    running = state_->running;
  }
  std::shared_ptr<const BrokerSnapshot> brokers = tree_->Snapshot();
  state_->context->executor->Post([running, brokers, done = std::move(done)] {
    if (!running) return done(NotStarted());
    done(BuildClusterInfo(*brokers));
  });
}

void ZookeeperDiscovery::GetTopicList(
    std::function<void(StatusOr<std::vector<std::string>>)> done) {
  bool running;
  {
    std::lock_guard lock(state_->mu);
    running = state_->running;
  }
  std::shared_ptr<const BrokerSnapshot> brokers = tree_->Snapshot();
  state_->context->executor->Post([running, brokers, done = std::move(done)] {
    if (!running) return done(NotStarted());
    done(BuildTopicList(*brokers));
  });
}

Status ZookeeperDiscovery::Health() const { return tree_->Health(); }

}  // namespace quiver::registry::zookeeper
