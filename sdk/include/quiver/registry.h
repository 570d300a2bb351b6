#pragma once
// Registry plugins: how brokers announce themselves and clients find them (DESIGN.md §2).
//
// Three facets. RegistryServer is the name-server role's logic (only pull registries such
// as `nameserver` have one; `zookeeper` offers a stateless route gateway instead).
// Registrar lives in a broker and publishes its identity and topic table. Discovery lives
// in a client and answers routes, with change notifications: a pull strategy polls, a push
// strategy watches, and callers see no difference but latency.
//
// Admin operations never go through the registry: a topic is created on a broker, and the
// broker's Registrar publishes the change (a hot change: no restart anywhere).
//
// Threading: all methods may be called from any thread. Callbacks run on the context's
// executor or a transport I/O thread and must not block.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quiver/export.h"
#include "quiver/plugin.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {

struct PluginContext;

class QUIVER_SDK_VISIBLE RegistryServer {
 public:
  RegistryServer() = default;
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;
  virtual ~RegistryServer();

  // Registers request handlers and close listeners on the context's TransportServer and
  // starts background scans. REQUIRES: called before the transport server starts.
  virtual Status Start() = 0;
  // Cancels timers. The role stops the transport server first, so no request arrives
  // during or after Stop().
  virtual void Stop() = 0;
};

class QUIVER_SDK_VISIBLE Registrar {
 public:
  Registrar() = default;
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;
  virtual ~Registrar();

  // Publishes `self` now (asynchronously) and keeps it published (periodic heartbeats,
  // or an ephemeral node). kInvalidArgument for an incomplete identity.
  virtual Status Start(const BrokerRegistration& self) = 0;
  // Publishes a new registration at once (topic created or changed, role changed).
  // `done` completes when every registry endpoint answered or failed; the first error, if
  // any, is reported, and publication is retried at the next heartbeat.
  virtual void Publish(const BrokerRegistration& self, std::function<void(Status)> done) = 0;
  // Unregisters (best effort, bounded by the request timeout) and stops timers.
  virtual void Stop() = 0;
};

// Routes as a client sees them.
class QUIVER_SDK_VISIBLE Discovery {
 public:
  Discovery() = default;
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;
  virtual ~Discovery();

  using RouteCallback = std::function<void(StatusOr<TopicRouteData>)>;
  using RouteListener = std::function<void(const std::string& topic, const TopicRouteData& route)>;

  // Connects (push) or prepares polling (pull). kUnavailable when a CP registry cannot be
  // reached at start.
  virtual Status Start() = 0;
  virtual void Stop() = 0;

  // The route of `topic`; kNotFound (TOPIC_NOT_EXIST) when no broker serves it.
  virtual void GetRoute(const std::string& topic, RouteCallback done) = 0;
  // Calls `listener` whenever the route of `topic` changes (including first discovery),
  // until the returned id is passed to Unsubscribe.
  virtual std::uint64_t Subscribe(const std::string& topic, RouteListener listener) = 0;
  virtual void Unsubscribe(std::uint64_t subscription) = 0;
  virtual void GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) = 0;
  virtual void GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) = 0;
  // OK while routes are fresh; kUnavailable with a reason while serving the last known
  // routes because the registry cannot be reached.
  virtual Status Health() const = 0;
};

class QUIVER_SDK_VISIBLE RegistryFactory : public PluginFactory {
 public:
  static constexpr PluginKind kKind = PluginKind::kRegistry;
  virtual StatusOr<std::unique_ptr<RegistryServer>> CreateServer(PluginContext& context) = 0;
  virtual StatusOr<std::unique_ptr<Registrar>> CreateRegistrar(PluginContext& context) = 0;
  virtual StatusOr<std::unique_ptr<Discovery>> CreateDiscovery(PluginContext& context) = 0;
};

}  // namespace v1
}  // namespace quiver
