#include "kernel/roles/nameserver/nameserver_role.h"

#include <spdlog/logger.h>

namespace quiver::kernel {

StatusOr<std::unique_ptr<NameserverRole>> NameserverRole::Build(const NodeServices& services) {
  std::unique_ptr<NameserverRole> role(new NameserverRole(services));

  QUIVER_ASSIGN_OR_RETURN(role->transport_,
                          LoadSlot<TransportFactory>(services, PluginKind::kTransport));
  QUIVER_ASSIGN_OR_RETURN(
      role->server_, CreateFacet<TransportServer>(
                         role->transport_, "server",
                         [](TransportFactory& f, PluginContext& c) { return f.CreateServer(c); }));

  QUIVER_ASSIGN_OR_RETURN(role->registry_,
                          LoadSlot<RegistryFactory>(services, PluginKind::kRegistry));
  role->registry_.context->transport_server = role->server_.get();
  QUIVER_ASSIGN_OR_RETURN(role->registry_server_,
                          CreateFacet<RegistryServer>(role->registry_, "server",
                                                      [](RegistryFactory& f, PluginContext& c) {
                                                        return f.CreateServer(c);
                                                      }));
  return role;
}

void NameserverRole::AddComponents(Lifecycle& lifecycle) {
  TransportServer* server = server_.get();
  RegistryServer* registry = registry_server_.get();
  const std::string listen = services_.config->nameserver.listen;
  auto logger = transport_.context->logger;

  lifecycle.Add(
      registry_.Label() + " server", [registry] { return registry->Start(); },
      [registry] { registry->Stop(); });
  lifecycle.Add(
      transport_.Label() + " server",
      [server, listen, logger]() -> Status {
        QUIVER_RETURN_IF_ERROR(server->Start(listen));
        logger->info("name server listening on {}", server->LocalAddress());
        return Status::Ok();
      },
      [server] { server->Stop(); });
}

}  // namespace quiver::kernel
