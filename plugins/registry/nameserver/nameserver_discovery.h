#pragma once
// The client facet (Discovery), a pull strategy: routes come from one name server chosen
// at random and kept while it answers; on a transport failure (refused, closed, timeout)
// the next one in the list is tried, until each was tried once.
//
// Routes are cached. GetRoute answers from the cache when it can, else asks a name server
// (and caches a route found). Every route_refresh, the routes of every topic asked for or
// subscribed are pulled again; subscribers are called when a topic's route differs from
// the one cached (first discovery included), and with an empty route when the name
// server says the topic no longer exists. A refresh that fails leaves the cached routes in
// place (AP: stale routes are better than none) and Health() reports kUnavailable until a
// name server answers again.
//
// Threading: any thread. Completions and listeners run on a transport I/O thread or the
// context's executor, never inside the call that registered them, and never with a lock
// held. Lifetime: completions that arrive after destruction find only shared state.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "nameserver_config.h"
#include "quiver/plugin_context.h"
#include "quiver/registry.h"
#include "quiver/transport.h"

namespace quiver::registry::nameserver {

class NameserverDiscovery final : public Discovery {
 public:
  // `context` must outlive this object. REQUIRES: config.addresses not empty.
  // `seed` picks the first name server (0: from std::random_device).
  NameserverDiscovery(PluginContext& context, NameserverConfig config, std::uint64_t seed = 0);
  ~NameserverDiscovery() override;

  // kFailedPrecondition without a transport client or when already started. Starts the
  // refresh timer and refreshes once at once.
  Status Start() override;
  void Stop() override;

  void GetRoute(const std::string& topic, RouteCallback done) override;
  std::uint64_t Subscribe(const std::string& topic, RouteListener listener) override;
  void Unsubscribe(std::uint64_t subscription) override;
  void GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) override;
  void GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) override;
  Status Health() const override;

  // Pulls every tracked route now (what the timer does). For tests and tools.
  void RefreshNow();

 private:
  struct Subscriber {
    std::string topic;
    RouteListener listener;
  };
  struct State {
    PluginContext* context = nullptr;
    NameserverConfig config;
    mutable std::mutex mu;
    std::size_t current = 0;  // index of the name server in use
    bool running = false;
    std::map<std::string, TopicRouteData> routes;  // cached routes
    std::set<std::string> tracked;                 // topics refreshed by the timer
    std::map<std::uint64_t, Subscriber> subscribers;
    std::uint64_t next_subscription = 0;
    Status health;
  };
  using State_ = std::shared_ptr<State>;

  // Sends `request` to the name server in use, failing over on transport errors.
  static void Invoke(const State_& state, RemotingCommand request, std::size_t attempt,
                     std::size_t start, ResponseCallback done);
  // Asks for the route of `topic`, updates the cache, notifies subscribers on change.
  static void FetchRoute(const State_& state, const std::string& topic,
                         std::function<void(StatusOr<TopicRouteData>, bool answered)> done);
  static void Refresh(const State_& state);
  // Sends a body-less request (`what` names it in errors) and decodes a successful body.
  template <typename T>
  void Query(std::int32_t request_code, const char* what,
             StatusOr<T> (*decode)(std::string_view body), std::function<void(StatusOr<T>)> done);

  State_ state_;
  TimerPtr refresh_timer_;
};

}  // namespace quiver::registry::nameserver
