#include "master_slave_replicator.h"
#include "quiver/plugin_export.h"

namespace quiver::replication::master_slave {

class MasterSlaveReplicationFactory final : public ReplicationFactory {
 public:
  StatusOr<std::unique_ptr<Replicator>> CreateReplicator(PluginContext& context) override {
    if (context.store == nullptr || context.broker == nullptr) {
      return FailedPreconditionError(
          "replication master-slave runs only in a broker (it needs the store and the broker "
          "identity)");
    }
    QUIVER_ASSIGN_OR_RETURN(MasterSlaveConfig config,
                            MasterSlaveConfig::Parse(*context.config, *context.broker));
    return std::unique_ptr<Replicator>(
        std::make_unique<MasterSlaveReplicator>(std::move(config), context));
  }
};

}  // namespace quiver::replication::master_slave

QUIVER_PLUGIN(quiver::PluginKind::kReplication, "master-slave", "1.0.0",
              quiver::replication::master_slave::MasterSlaveReplicationFactory);
