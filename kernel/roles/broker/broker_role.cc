#include "kernel/roles/broker/broker_role.h"

#include <spdlog/logger.h>

namespace quiver::kernel {

StatusOr<std::unique_ptr<BrokerRole>> BrokerRole::Build(const NodeServices& services) {
  std::unique_ptr<BrokerRole> role(new BrokerRole(services));
  const BrokerSettings& settings = services.config->broker;
  role->identity_ = std::make_unique<BrokerIdentity>();
  BrokerIdentity& identity = *role->identity_;
  identity.cluster = settings.cluster;
  identity.broker_name = settings.name;
  identity.broker_id = BrokerId(settings.id);
  identity.address = settings.advertise.empty() ? settings.listen : settings.advertise;
  // ::quiver::BrokerRole is the registered role enum (this class shares its name).
  identity.role = settings.id == 0 ? ::quiver::BrokerRole::kAsyncMaster : ::quiver::BrokerRole::kSlave;

  QUIVER_ASSIGN_OR_RETURN(role->storage_, LoadSlot<StorageFactory>(services, PluginKind::kStorage));
  role->storage_.context->broker = &identity;
  QUIVER_ASSIGN_OR_RETURN(role->store_,
                          CreateFacet<MessageStore>(role->storage_, "store",
                                                    [](StorageFactory& f, PluginContext& c) {
                                                      return f.CreateStore(c);
                                                    }));

  QUIVER_ASSIGN_OR_RETURN(role->transport_,
                          LoadSlot<TransportFactory>(services, PluginKind::kTransport));
  role->transport_.context->broker = &identity;
  QUIVER_ASSIGN_OR_RETURN(role->server_,
                          CreateFacet<TransportServer>(role->transport_, "server",
                                                       [](TransportFactory& f, PluginContext& c) {
                                                         return f.CreateServer(c);
                                                       }));
  QUIVER_ASSIGN_OR_RETURN(role->client_,
                          CreateFacet<TransportClient>(role->transport_, "client",
                                                       [](TransportFactory& f, PluginContext& c) {
                                                         return f.CreateClient(c);
                                                       }));

  QUIVER_ASSIGN_OR_RETURN(role->replication_,
                          LoadSlot<ReplicationFactory>(services, PluginKind::kReplication));
  PluginContext& rc = *role->replication_.context;
  rc.broker = &identity;
  rc.transport_server = role->server_.get();
  rc.transport_client = role->client_.get();
  rc.store = role->store_.get();
  rc.broker_metadata = nullptr;  // the cluster issue adds the broker's metadata
  QUIVER_ASSIGN_OR_RETURN(role->replicator_,
                          CreateFacet<Replicator>(role->replication_, "replicator",
                                                  [](ReplicationFactory& f, PluginContext& c) {
                                                    return f.CreateReplicator(c);
                                                  }));

  QUIVER_ASSIGN_OR_RETURN(role->registry_,
                          LoadSlot<RegistryFactory>(services, PluginKind::kRegistry));
  PluginContext& gc = *role->registry_.context;
  gc.broker = &identity;
  gc.transport_server = role->server_.get();
  gc.transport_client = role->client_.get();
  QUIVER_ASSIGN_OR_RETURN(role->registrar_,
                          CreateFacet<Registrar>(role->registry_, "registrar",
                                                 [](RegistryFactory& f, PluginContext& c) {
                                                   return f.CreateRegistrar(c);
                                                 }));
  return role;
}

BrokerRegistration BrokerRole::Registration() const {
  BrokerRegistration registration;
  registration.identity = *identity_;
  // Topics arrive with the broker's metadata (cluster issue); the table is empty until then.
  return registration;
}

void BrokerRole::AddComponents(Lifecycle& lifecycle) {
  MessageStore* store = store_.get();
  TransportClient* client = client_.get();
  TransportServer* server = server_.get();
  Replicator* replicator = replicator_.get();
  Registrar* registrar = registrar_.get();
  BrokerIdentity* identity = identity_.get();
  const BrokerSettings& settings = services_.config->broker;
  auto logger = transport_.context->logger;

  lifecycle.Add(storage_.Label() + " store", [store] { return store->Open(); },
                [store] { store->Close(); });
  lifecycle.Add(transport_.Label() + " client", nullptr, [client] { client->Stop(); });
  lifecycle.Add(replication_.Label() + " replicator", [replicator] { return replicator->Start(); },
                [replicator] { replicator->Stop(); });
  lifecycle.Add(
      transport_.Label() + " server",
      [server, identity, &settings, logger]() -> Status {
        QUIVER_RETURN_IF_ERROR(server->Start(settings.listen));
        if (settings.advertise.empty()) identity->address = server->LocalAddress();
        logger->info("broker {} listening on {} (advertised as {})", identity->broker_name,
                     server->LocalAddress(), identity->address);
        return Status::Ok();
      },
      [server] { server->Stop(); });
  lifecycle.Add(
      registry_.Label() + " registrar",
      [this, registrar, replicator, identity]() -> Status {
        if (replicator->Role() == ReplicaRole::kSlave) identity->role = ::quiver::BrokerRole::kSlave;
        return registrar->Start(Registration());
      },
      [registrar] { registrar->Stop(); });
}

}  // namespace quiver::kernel
