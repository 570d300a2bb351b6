#pragma once
// The client facet (Discovery), a push strategy: a BrokerTree watches every broker znode,
// and routes, cluster info and the topic list are computed from it in the name server's
// shape (route_builder.h). Subscribers are called when a watch event changes the route
// of their topic (first discovery included; an empty route when the topic disappears) —
// no polling. Start fails with kUnavailable when the ensemble cannot be reached; after
// that, a lost connection keeps the last known routes and Health() says why.
//
// Threading: any thread. Completions and listeners run on the context's executor, never
// inside the call that registered them, and never with a lock held.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "broker_tree.h"
#include "quiver/plugin_context.h"
#include "quiver/registry.h"
#include "zookeeper_config.h"

namespace quiver::registry::zookeeper {

class ZookeeperDiscovery final : public Discovery {
 public:
  // `context` must outlive this object.
  ZookeeperDiscovery(PluginContext& context, ZookeeperConfig config);
  ~ZookeeperDiscovery() override;

  Status Start() override;
  void Stop() override;

  void GetRoute(const std::string& topic, RouteCallback done) override;
  std::uint64_t Subscribe(const std::string& topic, RouteListener listener) override;
  void Unsubscribe(std::uint64_t subscription) override;
  void GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) override;
  void GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) override;
  Status Health() const override;

 private:
  struct Subscriber {
    std::string topic;
    RouteListener listener;
  };
  struct State {
    PluginContext* context = nullptr;
    std::mutex mu;
    bool running = false;
    std::map<std::uint64_t, Subscriber> subscribers;
    std::uint64_t next_subscription = 0;
    // Last route each subscribed topic was notified with (nullopt: none / gone).
    std::map<std::string, std::optional<TopicRouteData>> notified;
  };
  // Compares the routes of subscribed topics with those last notified; notifies changes.
  static void Notify(const std::shared_ptr<State>& state, const BrokerSnapshot& brokers);

  std::shared_ptr<State> state_;
  std::shared_ptr<BrokerTree> tree_;
};

}  // namespace quiver::registry::zookeeper
