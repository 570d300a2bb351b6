#include "kernel/roles/client/client_role.h"

namespace quiver::kernel {

StatusOr<std::unique_ptr<ClientRole>> ClientRole::Build(const NodeServices& services) {
  std::unique_ptr<ClientRole> role(new ClientRole());
  QUIVER_ASSIGN_OR_RETURN(role->transport_,
                          LoadSlot<TransportFactory>(services, PluginKind::kTransport));
  QUIVER_ASSIGN_OR_RETURN(
      role->client_, CreateFacet<TransportClient>(
                         role->transport_, "client",
                         [](TransportFactory& f, PluginContext& c) { return f.CreateClient(c); }));
  QUIVER_ASSIGN_OR_RETURN(role->registry_,
                          LoadSlot<RegistryFactory>(services, PluginKind::kRegistry));
  role->registry_.context->transport_client = role->client_.get();
  QUIVER_ASSIGN_OR_RETURN(role->discovery_,
                          CreateFacet<Discovery>(role->registry_, "discovery",
                                                 [](RegistryFactory& f, PluginContext& c) {
                                                   return f.CreateDiscovery(c);
                                                 }));
  return role;
}

void ClientRole::AddComponents(Lifecycle& lifecycle) {
  TransportClient* client = client_.get();
  Discovery* discovery = discovery_.get();
  lifecycle.Add(transport_.Label() + " client", nullptr, [client] { client->Stop(); });
  lifecycle.Add(
      registry_.Label() + " discovery", [discovery] { return discovery->Start(); },
      [discovery] { discovery->Stop(); });
}

}  // namespace quiver::kernel
