#pragma once
// The `nameserver` registry plugin's factory: reads [registry.nameserver] (every key, in
// every Create*, so the kernel's unknown-key check works for one file carrying all of
// them) and builds the facet asked for.

#include <memory>

#include "quiver/registry.h"

namespace quiver::registry::nameserver {

class NameserverRegistryFactory final : public RegistryFactory {
 public:
  // Name-server role: `addresses` is optional and unused. kInvalidArgument for a bad key;
  // kFailedPrecondition without a transport server.
  StatusOr<std::unique_ptr<RegistryServer>> CreateServer(PluginContext& context) override;
  // Broker role: `addresses` REQUIRED. kFailedPrecondition without a transport client.
  StatusOr<std::unique_ptr<Registrar>> CreateRegistrar(PluginContext& context) override;
  // Client role: `addresses` REQUIRED. kFailedPrecondition without a transport client.
  StatusOr<std::unique_ptr<Discovery>> CreateDiscovery(PluginContext& context) override;
};

}  // namespace quiver::registry::nameserver
