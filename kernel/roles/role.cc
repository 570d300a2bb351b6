#include "kernel/roles/role.h"

#include "kernel/roles/broker/broker_role.h"
#include "kernel/roles/client/client_role.h"
#include "kernel/roles/nameserver/nameserver_role.h"
#include "kernel/runtime/logging.h"

namespace quiver::kernel {

StatusOr<std::shared_ptr<PluginFactory>> LoadFactoryFor(const NodeServices& services,
                                                        const PluginChoice& choice) {
  return services.host->LoadFactory(choice.kind, choice.name);
}

std::unique_ptr<PluginContext> BaseContext(const NodeServices& services,
                                           const PluginChoice& choice) {
  auto context = std::make_unique<PluginContext>();
  context->config = choice.config;
  context->logger =
      services.logs->Get(std::string(PluginKindName(choice.kind)) + "." + choice.name);
  context->executor = services.executor;
  context->clock = services.clock;
  context->metrics = services.metrics;
  context->role = services.config->role;
  if (services.config->role == NodeRole::kBroker) {
    context->data_dir = services.config->broker.store_dir.string();
  }
  return context;
}

namespace {

template <typename R>
StatusOr<std::unique_ptr<Role>> AsRole(StatusOr<std::unique_ptr<R>> role) {
  if (!role.ok()) return role.status();
  return std::unique_ptr<Role>(std::move(*role));
}

}  // namespace

StatusOr<std::unique_ptr<Role>> BuildRole(const NodeServices& services) {
  switch (services.config->role) {
    case NodeRole::kNameserver:
      return AsRole(NameserverRole::Build(services));
    case NodeRole::kBroker:
      return AsRole(BrokerRole::Build(services));
    case NodeRole::kClient:
      return AsRole(ClientRole::Build(services));
  }
  return InternalError("unknown role");
}

}  // namespace quiver::kernel
