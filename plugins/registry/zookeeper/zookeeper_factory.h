#pragma once
// The `zookeeper` registry plugin's factory: reads [registry.zookeeper] (every key, in every
// Create*) and builds the facet asked for. Nothing connects here: sessions open in Start().

#include <memory>

#include "quiver/registry.h"

namespace quiver::registry::zookeeper {

class ZookeeperRegistryFactory final : public RegistryFactory {
 public:
  // Name-server role: the route gateway. kFailedPrecondition without a transport server.
  StatusOr<std::unique_ptr<RegistryServer>> CreateServer(PluginContext& context) override;
  // Broker role.
  StatusOr<std::unique_ptr<Registrar>> CreateRegistrar(PluginContext& context) override;
  // Client role.
  StatusOr<std::unique_ptr<Discovery>> CreateDiscovery(PluginContext& context) override;
};

}  // namespace quiver::registry::zookeeper
