#include "nameserver_discovery.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "quiver/executor.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/route_json.h"
#include "requests.h"

namespace quiver::registry::nameserver {
namespace {

namespace code = protocol::request_code;
namespace response = protocol::response_code;

// Routes compare equal whatever order a name server listed the groups in.
void Normalize(TopicRouteData& route) {
  std::sort(route.queue_datas.begin(), route.queue_datas.end(),
            [](const QueueData& a, const QueueData& b) { return a.broker_name < b.broker_name; });
  std::sort(route.broker_datas.begin(), route.broker_datas.end(),
            [](const BrokerData& a, const BrokerData& b) { return a.broker_name < b.broker_name; });
}

Status NotStarted() {
  return FailedPreconditionError("registry.nameserver: discovery is not started");
}

}  // namespace

NameserverDiscovery::NameserverDiscovery(PluginContext& context, NameserverConfig config,
                                         std::uint64_t seed)
    : state_(std::make_shared<State>()) {
  state_->context = &context;
  state_->config = std::move(config);
  std::mt19937_64 rng(seed != 0 ? seed : std::random_device{}());
  if (!state_->config.addresses.empty()) {
    state_->current = rng() % state_->config.addresses.size();
  }
}

NameserverDiscovery::~NameserverDiscovery() { Stop(); }

Status NameserverDiscovery::Start() {
  if (state_->context->transport_client == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: discovery needs the node's transport client");
  }
  if (state_->config.addresses.empty()) {
    return FailedPreconditionError("registry.nameserver: no name server addresses");
  }
  {
    std::lock_guard lock(state_->mu);
    if (state_->running || refresh_timer_) {
      return FailedPreconditionError("registry.nameserver: discovery already started");
    }
    state_->running = true;
  }
  State_ state = state_;
  refresh_timer_ =
      state_->context->clock->RunEvery(state_->config.route_refresh, [state] { Refresh(state); });
  Refresh(state_);
  return Status::Ok();
}

void NameserverDiscovery::Stop() {
  if (refresh_timer_) {
    refresh_timer_->Cancel();
    refresh_timer_.reset();
  }
  std::lock_guard lock(state_->mu);
  state_->running = false;
}

void NameserverDiscovery::Invoke(const State_& state, RemotingCommand request, std::size_t attempt,
                                 std::size_t start, ResponseCallback done) {
  const std::vector<std::string>& addresses = state->config.addresses;
  const std::size_t n = addresses.size();
  const std::size_t index = (start + attempt) % n;
  const std::string& address = addresses[index];
  RemotingCommand copy = request;
  state->context->transport_client->InvokeAsync(
      address, std::move(copy), state->config.request_timeout,
      [state, request = std::move(request), attempt, start, index, n,
       done = std::move(done)](StatusOr<RemotingCommand> result) mutable {
        if (result.ok()) {
          std::lock_guard lock(state->mu);
          state->current = index;  // sticky until it fails
        } else if (attempt + 1 < n) {
          if (state->context->logger) {
            state->context->logger->info("name server {} failed ({}); trying the next one",
                                         state->config.addresses[index],
                                         result.status().ToString());
          }
          Invoke(state, std::move(request), attempt + 1, start, std::move(done));
          return;
        } else {
          result = result.status().WithContext("no name server answered (last tried " +
                                               state->config.addresses[index] + ")");
        }
        done(std::move(result));
      });
}

void NameserverDiscovery::FetchRoute(
    const State_& state, const std::string& topic,
    std::function<void(StatusOr<TopicRouteData>, bool answered)> done) {
  std::size_t start;
  {
    std::lock_guard lock(state->mu);
    if (!state->running) {
      done(NotStarted(), false);
      return;
    }
    start = state->current;
  }
  RemotingCommand request = RemotingCommand::Request(code::kGetRouteinfoByTopic);
  request.SetExt("topic", topic);
  Invoke(state, std::move(request), 0, start,
         [state, topic, done = std::move(done)](StatusOr<RemotingCommand> response) {
           if (!response.ok()) {
             done(response.status(), false);
             return;
           }
           std::vector<RouteListener> listeners;
           if (response->code == response::kTopicNotExist) {
             // Authoritative: no broker serves the topic any more (or yet).
             {
               std::lock_guard lock(state->mu);
               bool had_route = state->routes.erase(topic) != 0;
               bool subscribed = false;
               for (const auto& [id, s] : state->subscribers) {
                 if (s.topic != topic) continue;
                 subscribed = true;
                 if (had_route) listeners.push_back(s.listener);
               }
               if (!subscribed) state->tracked.erase(topic);
             }
             for (RouteListener& l : listeners) l(topic, TopicRouteData{});
             done(StatusFromResponse("route of topic " + topic, *response), true);
             return;
           }
           if (response->code != response::kSuccess) {
             done(StatusFromResponse("route of topic " + topic, *response), true);
             return;
           }
           StatusOr<TopicRouteData> route =
               protocol::DecodeTopicRouteData(response->body.ToString());
           if (!route.ok()) {
             done(route.status().WithContext("route of topic " + topic), true);
             return;
           }
           Normalize(*route);
           {
             std::lock_guard lock(state->mu);
             state->tracked.insert(topic);
             auto cached = state->routes.find(topic);
             if (cached == state->routes.end() || cached->second != *route) {
               state->routes[topic] = *route;
               for (const auto& [id, s] : state->subscribers) {
                 if (s.topic == topic) listeners.push_back(s.listener);
               }
             }
           }
           for (RouteListener& l : listeners) l(topic, *route);
           done(std::move(route), true);
         });
}

void NameserverDiscovery::GetRoute(const std::string& topic, RouteCallback done) {
  std::optional<TopicRouteData> cached;
  bool running;
  {
    std::lock_guard lock(state_->mu);
    running = state_->running;
    auto it = state_->routes.find(topic);
    if (running && it != state_->routes.end()) cached = it->second;
  }
  if (!running) {
    state_->context->executor->Post([done = std::move(done)] { done(NotStarted()); });
    return;
  }
  if (cached) {
    state_->context->executor->Post(
        [done = std::move(done), route = std::move(*cached)]() mutable { done(std::move(route)); });
    return;
  }
  FetchRoute(state_, topic, [done = std::move(done)](StatusOr<TopicRouteData> route, bool) {
    done(std::move(route));
  });
}

std::uint64_t NameserverDiscovery::Subscribe(const std::string& topic, RouteListener listener) {
  std::uint64_t id;
  std::optional<TopicRouteData> cached;
  bool running;
  {
    std::lock_guard lock(state_->mu);
    id = ++state_->next_subscription;
    state_->subscribers[id] = Subscriber{topic, std::move(listener)};
    state_->tracked.insert(topic);
    running = state_->running;
    auto it = state_->routes.find(topic);
    if (it != state_->routes.end()) cached = it->second;
  }
  if (cached) {
    // The route is known: tell this subscriber alone, later, on the executor.
    State_ state = state_;
    state_->context->executor->Post([state, id, topic, route = std::move(*cached)] {
      RouteListener l;
      {
        std::lock_guard lock(state->mu);
        auto it = state->subscribers.find(id);
        if (it == state->subscribers.end()) return;
        l = it->second.listener;
      }
      l(topic, route);
    });
  } else if (running) {
    FetchRoute(state_, topic, [](StatusOr<TopicRouteData>, bool) {});
  }
  return id;
}

void NameserverDiscovery::Unsubscribe(std::uint64_t subscription) {
  std::lock_guard lock(state_->mu);
  state_->subscribers.erase(subscription);
}

template <typename T>
void NameserverDiscovery::Query(std::int32_t request_code, const char* what,
                                StatusOr<T> (*decode)(std::string_view body),
                                std::function<void(StatusOr<T>)> done) {
  std::size_t start;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->running) {
      state_->context->executor->Post([done = std::move(done)] { done(NotStarted()); });
      return;
    }
    start = state_->current;
  }
  Invoke(state_, RemotingCommand::Request(request_code), 0, start,
         [what, decode, done = std::move(done)](StatusOr<RemotingCommand> response) {
           if (!response.ok()) return done(response.status());
           Status status = StatusFromResponse(what, *response);
           if (!status.ok()) return done(status);
           done(decode(response->body.ToString()));
         });
}

void NameserverDiscovery::GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) {
  Query<ClusterInfo>(code::kGetBrokerClusterInfo, "cluster info", &protocol::DecodeClusterInfo,
                     std::move(done));
}

void NameserverDiscovery::GetTopicList(
    std::function<void(StatusOr<std::vector<std::string>>)> done) {
  Query<std::vector<std::string>>(code::kGetAllTopicListFromNameserver, "topic list",
                                  &protocol::DecodeTopicList, std::move(done));
}

Status NameserverDiscovery::Health() const {
  std::lock_guard lock(state_->mu);
  return state_->health;
}

void NameserverDiscovery::RefreshNow() { Refresh(state_); }

void NameserverDiscovery::Refresh(const State_& state) {
  std::vector<std::string> topics;
  std::size_t start;
  {
    std::lock_guard lock(state->mu);
    if (!state->running) return;
    topics.assign(state->tracked.begin(), state->tracked.end());
    start = state->current;
  }
  // One round: healthy when any name server answered any request of it.
  struct Round {
    std::mutex mu;
    std::size_t remaining = 0;
    bool answered = false;
    Status last_error;
  };
  auto round = std::make_shared<Round>();
  auto finish = [state, round](bool answered, const Status& error) {
    Status health;
    {
      std::lock_guard lock(round->mu);
      round->answered = round->answered || answered;
      if (!answered) round->last_error = error;
      if (--round->remaining != 0) return;
      if (!round->answered) {
        health = UnavailableError(
            "registry.nameserver: no name server answered the last route refresh; serving "
            "the last known routes: " +
            round->last_error.ToString());
      }
    }
    if (!health.ok() && state->context->logger) {
      state->context->logger->warn("{}", health.message());
    }
    std::lock_guard lock(state->mu);
    state->health = health;
  };
  if (topics.empty()) {
    // Nothing to refresh: probe the name servers so Health() stays truthful.
    round->remaining = 1;
    Invoke(
        state, RemotingCommand::Request(code::kGetBrokerClusterInfo), 0, start,
        [finish](StatusOr<RemotingCommand> response) { finish(response.ok(), response.status()); });
    return;
  }
  round->remaining = topics.size();
  for (const std::string& topic : topics) {
    FetchRoute(state, topic, [finish](StatusOr<TopicRouteData> route, bool answered) {
      finish(answered, route.status());
    });
  }
}

}  // namespace quiver::registry::nameserver
