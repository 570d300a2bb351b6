#pragma once
// The broker role: storage, transport (server and client), replication, the registry's
// registrar, and the broker's own request processing and metadata (processing/).
//
// Start order: the store opens (and recovers); the metadata loads (topics.json,
// consumerOffset.json); the transport client is ready; the request processors register
// their handlers; the replicator starts (may register request codes too); the server
// listens on [broker] listen; the registrar publishes the broker. Stop order is the
// reverse: registrar (unregisters), transport server (no request is delivered after it),
// replicator (fails appends in flight), processing (answers held pulls, writes offsets),
// transport client, metadata (writes topic changes still deferred, see
// BrokerMetadataTables), store (closes cleanly).

#include <atomic>
#include <memory>

#include "kernel/roles/broker/processing/broker_metadata_tables.h"
#include "kernel/roles/broker/processing/broker_processing.h"
#include "kernel/roles/broker/processing/registration_publisher.h"
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
  // The broker's own request processing; destroyed before the facets it refers to.
  std::unique_ptr<broker::BrokerMetadataTables> metadata_;
  std::unique_ptr<broker::BrokerProcessing> processing_;
  // Hot changes published one at a time, coalesced (creating 1,000 topics sends a few
  // registrations, not 1,000). Destroyed before processing_, which it reads.
  std::unique_ptr<broker::RegistrationPublisher> publisher_;
  // Hot changes are published only while the registrar runs.
  std::atomic<bool> registrar_running_{false};
};

}  // namespace quiver::kernel
