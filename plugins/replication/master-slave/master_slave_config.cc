#include "master_slave_config.h"

#include <unistd.h>

#include <charconv>

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

  QUIVER_ASSIGN_OR_RETURN(out.master_address, config.GetString("master_address", ""));
  QUIVER_ASSIGN_OR_RETURN(out.slave_read_memory, config.GetSize("slave_read_memory", 0));
  QUIVER_ASSIGN_OR_RETURN(std::uint64_t batch, config.GetSize("transfer_batch", 32 * 1024));
  if (batch < 1024 || batch > 4 * 1024 * 1024) {
    return config.Invalid("transfer_batch", "must be between 1KiB and 4MiB, found " +
                                                std::to_string(batch) + " bytes");
  }
  out.transfer_batch = static_cast<std::int64_t>(batch);
  QUIVER_ASSIGN_OR_RETURN(out.metadata_sync_interval,
                          config.GetDuration("metadata_sync_interval", std::chrono::seconds(10)));
  if (out.metadata_sync_interval <= Duration::zero()) {
    return config.Invalid("metadata_sync_interval", "must be positive, e.g. \"10s\"");
  }
  if (out.sync_timeout <= Duration::zero()) {
    return config.Invalid("sync_timeout", "must be positive, e.g. \"3s\"");
  }
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
  if (out.role == BrokerRole::kSlave && out.master_address.empty()) {
    const std::size_t colon = out.master_ha.rfind(':');
    int port = 0;
    if (colon != std::string::npos) {
      std::from_chars(out.master_ha.data() + colon + 1, out.master_ha.data() + out.master_ha.size(),
                      port);
    }
    if (port <= 1 || port > 65535) {
      return config.Invalid(
          "master_ha", "\"" + out.master_ha + "\" is not \"host:port\", e.g. \"127.0.0.1:10912\"");
    }
    out.master_address = out.master_ha.substr(0, colon) + ":" + std::to_string(port - 1);
  }
  return out;
}

std::int64_t MasterSlaveConfig::SlaveReadThreshold() const {
  std::uint64_t memory = slave_read_memory;
  if (memory == 0) {
    memory = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
             static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  }
  return static_cast<std::int64_t>(memory / 100 * static_cast<std::uint64_t>(slave_read_ratio));
}

}  // namespace quiver::replication::master_slave
