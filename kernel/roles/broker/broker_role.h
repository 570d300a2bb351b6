#pragma once
// The broker role: storage, transport (server and client), replication and the registry's
// registrar. The broker's request processors and its metadata (topic configs, consumer
// offsets) come with the cluster issue; until then replication gets no BrokerMetadata
// (PluginContext::broker_metadata is null) and the broker registers an empty topic table.
//
// Start order: the store opens (and recovers); the transport client and server are ready;
// the replicator starts (may register request codes on the server); the server listens on
// [broker] listen; the registrar publishes the broker. Stop order is the reverse: registrar
// (unregisters), transport server (no request is delivered after it), replicator, transport
// client, store (closes cleanly).

#include <memory>

#include "kernel/roles/role.h"
#include "quiver/registry.h"
#include "quiver/replication.h"
#include "quiver/route.h"
#include "quiver/storage.h"
#include "quiver/transport.h"

namespace quiver::kernel {

class BrokerRole final : public Role {
 public:
  static StatusOr<std::unique_ptr<BrokerRole>> Build(const NodeServices& services);

  void AddComponents(Lifecycle& lifecycle) override;

  const BrokerIdentity& identity() const { return *identity_; }

 private:
  explicit BrokerRole(const NodeServices& services) : services_(services) {}

  // What the registrar publishes.
  BrokerRegistration Registration() const;

  NodeServices services_;
  // Plugins see the identity through their contexts; its address is filled in when the
  // transport server has bound (advertise, or the bound address).
  std::unique_ptr<BrokerIdentity> identity_;
  // Factories and contexts before facets: facets are destroyed first.
  PluginSlot<StorageFactory> storage_;
  PluginSlot<TransportFactory> transport_;
  PluginSlot<ReplicationFactory> replication_;
  PluginSlot<RegistryFactory> registry_;
  std::shared_ptr<MessageStore> store_;
  std::shared_ptr<TransportClient> client_;
  std::shared_ptr<TransportServer> server_;
  std::shared_ptr<Replicator> replicator_;
  std::shared_ptr<Registrar> registrar_;
};

}  // namespace quiver::kernel
