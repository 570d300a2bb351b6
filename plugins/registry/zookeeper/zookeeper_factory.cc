#include "zookeeper_factory.h"

#include "quiver/plugin_context.h"
#include "zookeeper_config.h"
#include "zookeeper_discovery.h"
#include "zookeeper_gateway.h"
#include "zookeeper_registrar.h"

namespace quiver::registry::zookeeper {
namespace {

StatusOr<ZookeeperConfig> Read(PluginContext& context) {
  if (!context.config) {
    return FailedPreconditionError("registry.zookeeper: the context has no configuration");
  }
  return ReadZookeeperConfig(*context.config);
}

}  // namespace

StatusOr<std::unique_ptr<RegistryServer>> ZookeeperRegistryFactory::CreateServer(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(ZookeeperConfig config, Read(context));
  if (context.transport_server == nullptr) {
    return FailedPreconditionError(
        "registry.zookeeper: the route gateway needs the node's transport server");
  }
  return std::unique_ptr<RegistryServer>(
      std::make_unique<ZookeeperGateway>(context, std::move(config)));
}

StatusOr<std::unique_ptr<Registrar>> ZookeeperRegistryFactory::CreateRegistrar(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(ZookeeperConfig config, Read(context));
  return std::unique_ptr<Registrar>(
      std::make_unique<ZookeeperRegistrar>(context, std::move(config)));
}

StatusOr<std::unique_ptr<Discovery>> ZookeeperRegistryFactory::CreateDiscovery(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(ZookeeperConfig config, Read(context));
  return std::unique_ptr<Discovery>(
      std::make_unique<ZookeeperDiscovery>(context, std::move(config)));
}

}  // namespace quiver::registry::zookeeper
