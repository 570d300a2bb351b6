#pragma once
// [replication.master-slave] settings (DESIGN.md §8).

#include <cstdint>
#include <string>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::replication::master_slave {

struct MasterSlaveConfig {
  BrokerRole role = BrokerRole::kAsyncMaster;
  std::string ha_listen;  // masters: where slaves connect ("" = broker port + 1)
  std::string master_ha;  // slaves: the master's HA address (REQUIRED for slaves)
  bool slave_read = false;
  std::int64_t slave_read_ratio = 40;  // % of memory behind max offset that moves reads
  Duration sync_timeout = std::chrono::seconds(3);
  // Slaves: the master's broker (remoting) address for the metadata copy ("" = master_ha's
  // host with its port - 1, matching the ha_listen default).
  std::string master_address;
  // Memory that slave_read_ratio is a percentage of (0 = this machine's physical memory;
  // set small to exercise slave reads in tests).
  std::uint64_t slave_read_memory = 0;
  std::int64_t transfer_batch = 32 * 1024;                     // bytes per HA frame (master)
  Duration metadata_sync_interval = std::chrono::seconds(10);  // slaves

  // Reads beyond max offset - this many bytes are "cold": move them to a slave.
  std::int64_t SlaveReadThreshold() const;

  // Reads every key of the table. `broker` is the broker's identity: role must agree with
  // its id (0 = a master role, > 0 = slave). Errors name the key and its position.
  static StatusOr<MasterSlaveConfig> Parse(const ConfigView& config, const BrokerIdentity& broker);
};

}  // namespace quiver::replication::master_slave
