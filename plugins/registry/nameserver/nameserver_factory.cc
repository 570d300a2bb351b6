#include "nameserver_factory.h"

#include "nameserver_config.h"
#include "nameserver_discovery.h"
#include "nameserver_registrar.h"
#include "nameserver_server.h"
#include "quiver/plugin_context.h"

namespace quiver::registry::nameserver {
namespace {

StatusOr<NameserverConfig> Read(PluginContext& context, AddressesRequired required) {
  if (!context.config) {
    return FailedPreconditionError("registry.nameserver: the context has no configuration");
  }
  return ReadNameserverConfig(*context.config, required);
}

}  // namespace

StatusOr<std::unique_ptr<RegistryServer>> NameserverRegistryFactory::CreateServer(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(NameserverConfig config, Read(context, AddressesRequired::kNo));
  if (context.transport_server == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: the name-server facet needs the node's transport server");
  }
  return std::unique_ptr<RegistryServer>(
      std::make_unique<NameserverServer>(context, std::move(config)));
}

StatusOr<std::unique_ptr<Registrar>> NameserverRegistryFactory::CreateRegistrar(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(NameserverConfig config, Read(context, AddressesRequired::kYes));
  if (context.transport_client == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: the registrar needs the node's transport client");
  }
  return std::unique_ptr<Registrar>(
      std::make_unique<NameserverRegistrar>(context, std::move(config)));
}

StatusOr<std::unique_ptr<Discovery>> NameserverRegistryFactory::CreateDiscovery(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(NameserverConfig config, Read(context, AddressesRequired::kYes));
  if (context.transport_client == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: discovery needs the node's transport client");
  }
  return std::unique_ptr<Discovery>(
      std::make_unique<NameserverDiscovery>(context, std::move(config)));
}

}  // namespace quiver::registry::nameserver
