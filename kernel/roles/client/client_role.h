#pragma once
// The client role: a transport client plus the registry plugin's discovery facet (the
// client library builds producers and consumers on them).
//
// Start order: the transport client is ready; discovery starts (connects or prepares
// polling). Stop order is the reverse.

#include <memory>

#include "kernel/roles/role.h"
#include "quiver/registry.h"
#include "quiver/transport.h"

namespace quiver::kernel {

class ClientRole final : public Role {
 public:
  static StatusOr<std::unique_ptr<ClientRole>> Build(const NodeServices& services);

  void AddComponents(Lifecycle& lifecycle) override;

  TransportClient& transport_client() { return *client_; }
  Discovery& discovery() { return *discovery_; }

 private:
  ClientRole() = default;

  // Factories and contexts before facets: facets are destroyed first.
  PluginSlot<TransportFactory> transport_;
  PluginSlot<RegistryFactory> registry_;
  std::shared_ptr<TransportClient> client_;
  std::shared_ptr<Discovery> discovery_;
};

}  // namespace quiver::kernel
