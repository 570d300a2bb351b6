#include "master_slave_config.h"

namespace quiver::replication::master_slave {

StatusOr<MasterSlaveConfig> MasterSlaveConfig::Parse(const ConfigView& config,
                                                     const BrokerIdentity& broker) {
  MasterSlaveConfig out;
  QUIVER_ASSIGN_OR_RETURN(
      std::string role,
      config.GetEnum("role", "async-master", {"async-master", "sync-master", "slave"}));
  out.role = role == "async-master"  ? BrokerRole::kAsyncMaster
             : role == "sync-master" ? BrokerRole::kSyncMaster
                                     : BrokerRole::kSlave;
  QUIVER_ASSIGN_OR_RETURN(out.ha_listen, config.GetString("ha_listen", ""));
  QUIVER_ASSIGN_OR_RETURN(out.master_ha, config.GetString("master_ha", ""));
  QUIVER_ASSIGN_OR_RETURN(out.slave_read, config.GetBool("slave_read", false));
  QUIVER_ASSIGN_OR_RETURN(out.slave_read_ratio,
                          config.GetIntInRange("slave_read_ratio", 40, 1, 100));
  QUIVER_ASSIGN_OR_RETURN(out.sync_timeout,
                          config.GetDuration("sync_timeout", std::chrono::seconds(3)));

  const bool master_id = broker.broker_id == kMasterBrokerId;
  if (out.role == BrokerRole::kSlave && master_id) {
    return config.Invalid("role",
                          "role \"slave\" needs [broker] id > 0 (id 0 is the master); "
                          "set [broker] id = 1 or choose a master role");
  }
  if (out.role != BrokerRole::kSlave && !master_id) {
    return config.Invalid("role", "role \"" + role + "\" needs [broker] id = 0, found id " +
                                      std::to_string(broker.broker_id.value()) +
                                      "; set role = \"slave\" for a slave");
  }
  if (out.role == BrokerRole::kSlave && out.master_ha.empty()) {
    return config.Invalid("master_ha",
                          "missing required key for role \"slave\": the master's "
                          "HA address, e.g. master_ha = \"127.0.0.1:10912\"");
  }
  return out;
}

}  // namespace quiver::replication::master_slave
