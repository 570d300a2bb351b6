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

  // Reads every key of the table. `broker` is the broker's identity: role must agree with
  // its id (0 = a master role, > 0 = slave). Errors name the key and its position.
  static StatusOr<MasterSlaveConfig> Parse(const ConfigView& config, const BrokerIdentity& broker);
};

}  // namespace quiver::replication::master_slave
