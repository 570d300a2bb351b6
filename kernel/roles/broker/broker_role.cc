#include "kernel/roles/broker/broker_role.h"

#include "kernel/runtime/logging.h"

#include <spdlog/logger.h>

#include <charconv>

namespace quiver::kernel {
namespace {

// The port of "host:port" (0 when absent or not a number).
int PortOf(const std::string& address) {
  std::size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos) return 0;
  std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  return port;
}

// The processors' view of [broker]. The advertised address goes into routes, record store
// hosts and message ids, so it must be known before the server binds: port 0 is refused.
StatusOr<broker::BrokerSettings> ProcessingSettings(const BrokerSettings& settings,
                                                    const BrokerIdentity& identity) {
  if (PortOf(identity.address) == 0) {
    return InvalidArgumentError(
        "[broker] listen \"" + settings.listen +
        "\": a broker needs a fixed port (it is put "
        "in routes and message ids); set listen = \"127.0.0.1:10911\" or advertise a fixed "
        "address");
  }
  broker::BrokerSettings out;
  out.cluster = settings.cluster;
  out.name = settings.name;
  out.id = BrokerId(settings.id);
  out.advertise = identity.address;
  out.role = identity.role;
  out.store_dir = settings.store_dir;
  out.auto_create_topic = settings.auto_create_topic;
  out.default_queues = static_cast<std::int32_t>(settings.default_queues);
  out.max_message_size = static_cast<std::int64_t>(settings.max_message_size);
  if (!settings.delay_levels.empty()) out.delay_levels = settings.delay_levels;
  out.max_transfer_count = static_cast<std::int32_t>(settings.max_transfer_count);
  out.max_transfer_bytes = static_cast<std::int64_t>(settings.max_transfer_bytes);
  return out;
}

}  // namespace

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
  identity.role =
      settings.id == 0 ? ::quiver::BrokerRole::kAsyncMaster : ::quiver::BrokerRole::kSlave;

  QUIVER_ASSIGN_OR_RETURN(role->storage_, LoadSlot<StorageFactory>(services, PluginKind::kStorage));
  role->storage_.context->broker = &identity;
  QUIVER_ASSIGN_OR_RETURN(
      role->store_,
      CreateFacet<MessageStore>(role->storage_, "store", [](StorageFactory& f, PluginContext& c) {
        return f.CreateStore(c);
      }));

  QUIVER_ASSIGN_OR_RETURN(role->transport_,
                          LoadSlot<TransportFactory>(services, PluginKind::kTransport));
  role->transport_.context->broker = &identity;
  QUIVER_ASSIGN_OR_RETURN(
      role->server_, CreateFacet<TransportServer>(
                         role->transport_, "server",
                         [](TransportFactory& f, PluginContext& c) { return f.CreateServer(c); }));
  QUIVER_ASSIGN_OR_RETURN(
      role->client_, CreateFacet<TransportClient>(
                         role->transport_, "client",
                         [](TransportFactory& f, PluginContext& c) { return f.CreateClient(c); }));

  // The broker's metadata exists before the replicator: slaves copy it from the master.
  QUIVER_ASSIGN_OR_RETURN(broker::BrokerSettings processing_settings,
                          ProcessingSettings(settings, identity));
  role->metadata_ =
      std::make_unique<broker::BrokerMetadataTables>(processing_settings, *services.clock);

  QUIVER_ASSIGN_OR_RETURN(role->replication_,
                          LoadSlot<ReplicationFactory>(services, PluginKind::kReplication));
  PluginContext& rc = *role->replication_.context;
  rc.broker = &identity;
  rc.transport_server = role->server_.get();
  rc.transport_client = role->client_.get();
  rc.store = role->store_.get();
  rc.broker_metadata = role->metadata_.get();
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

  BrokerRole* self = role.get();
  std::shared_ptr<spdlog::logger> logger = services.logs->Get("broker");
  role->processing_ = std::make_unique<broker::BrokerProcessing>(
      std::move(processing_settings),
      broker::BrokerProcessing::Deps{
          *role->server_, *role->store_, *role->replicator_, *role->metadata_, *services.clock,
          *services.executor, logger, [self](const BrokerRegistration&) {
            // Coalesced: the publisher sends the registration current when it starts.
            self->publisher_->Request();
          }});
  broker::BrokerProcessing* processing = role->processing_.get();
  role->publisher_ = std::make_unique<broker::RegistrationPublisher>(
      [processing] { return processing->CurrentRegistration(); },
      [self, logger](const BrokerRegistration& registration, std::function<void()> done) {
        if (!self->registrar_running_.load()) {  // Start() publishes the latest
          done();
          return;
        }
        self->registrar_->Publish(registration, [logger, done = std::move(done)](Status status) {
          if (!status.ok()) {
            logger->warn(
                "publishing to the registry failed (retried at the next "
                "heartbeat): {}",
                status.ToString());
          }
          done();
        });
      });
  role->replicator_->SetRoleListener(
      [processing](const RoleChange& change) { processing->OnRoleChange(change); });
  return role;
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

  lifecycle.Add(
      storage_.Label() + " store", [store] { return store->Open(); }, [store] { store->Close(); });
  broker::BrokerMetadataTables* metadata = metadata_.get();
  broker::BrokerProcessing* processing = processing_.get();
  std::shared_ptr<spdlog::logger> broker_logger = services_.logs->Get("broker");
  lifecycle.Add(
      "broker metadata", [metadata] { return metadata->Load(); },
      [metadata, broker_logger] {
        // After the server and the processing stopped: no topic can be created any more.
        Status s = metadata->Stop();
        if (!s.ok()) broker_logger->error("writing pending topic changes on stop: {}", s.ToString());
      });
  lifecycle.Add(transport_.Label() + " client", nullptr, [client] { client->Stop(); });
  lifecycle.Add(
      "broker processing", [processing] { return processing->Start(); },
      [processing] { processing->Stop(); });
  lifecycle.Add(
      replication_.Label() + " replicator", [replicator] { return replicator->Start(); },
      [replicator] { replicator->Stop(); });
  lifecycle.Add(
      transport_.Label() + " server",
      [server, identity, &settings, logger]() -> Status {
        QUIVER_RETURN_IF_ERROR(server->Start(settings.listen));
        logger->info("broker {} listening on {} (advertised as {})", identity->broker_name,
                     server->LocalAddress(), identity->address);
        return Status::Ok();
      },
      [server] { server->Stop(); });
  lifecycle.Add(
      registry_.Label() + " registrar",
      [this, registrar, replicator, identity, processing]() -> Status {
        if (replicator->Role() == ReplicaRole::kSlave)
          identity->role = ::quiver::BrokerRole::kSlave;
        QUIVER_RETURN_IF_ERROR(registrar->Start(processing->CurrentRegistration()));
        registrar_running_.store(true);
        return Status::Ok();
      },
      [this, registrar] {
        registrar_running_.store(false);
        registrar->Stop();
      });
}

}  // namespace quiver::kernel
