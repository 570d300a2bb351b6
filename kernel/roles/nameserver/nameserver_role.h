#pragma once
// The name-server role: a transport server plus the registry plugin's server facet.
//
// Start order: the transport server is created; the registry server starts (registers its
// request handlers and close listeners on it); the transport server starts listening on
// [nameserver] listen. Stop order is the reverse: the transport server stops first (closes
// connections, joins its I/O threads, so no handler runs any more), then the registry
// server (timers). Both objects live until the node is destroyed.

#include <memory>

#include "kernel/roles/role.h"
#include "quiver/registry.h"
#include "quiver/transport.h"

namespace quiver::kernel {

class NameserverRole final : public Role {
 public:
  static StatusOr<std::unique_ptr<NameserverRole>> Build(const NodeServices& services);

  void AddComponents(Lifecycle& lifecycle) override;

  TransportServer& transport_server() { return *server_; }

 private:
  explicit NameserverRole(const NodeServices& services) : services_(services) {}

  NodeServices services_;
  // Factories and contexts before facets: facets are destroyed first.
  PluginSlot<TransportFactory> transport_;
  PluginSlot<RegistryFactory> registry_;
  std::shared_ptr<TransportServer> server_;
  std::shared_ptr<RegistryServer> registry_server_;
};

}  // namespace quiver::kernel
