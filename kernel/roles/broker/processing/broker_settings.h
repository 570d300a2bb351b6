#pragma once
// The [broker] settings the request processors need (DESIGN.md §8), already parsed and
// validated by the role assembly, plus tuning values with RocketMQ's defaults.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "quiver/clock.h"
#include "quiver/route.h"
#include "quiver/types.h"

namespace quiver::broker {

struct BrokerSettings {
  std::string cluster = "DefaultCluster";
  std::string name;  // brokerName, REQUIRED
  BrokerId id{0};
  // "ip:port" put in routes, record store hosts and offsetMsgIds. Must be a numeric
  // address (Start() fails otherwise): the assembly resolves it from listen/advertise.
  std::string advertise;
  std::string ha_address;  // replication listener, "" if none
  BrokerRole role = BrokerRole::kAsyncMaster;
  std::filesystem::path store_dir;  // metadata lives in store_dir/config/
  bool auto_create_topic = true;
  std::int32_t default_queues = 4;
  std::int64_t max_message_size = 4 * 1024 * 1024;  // bytes, body (batch: whole body)
  // Raw [broker] delay_levels text; kept for the scheduled-message service (a later
  // issue). DELAY messages are stored directly for now.
  std::string delay_levels = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

  // Tuning (not user-facing yet).
  Duration max_suspend = std::chrono::seconds(15);           // cap of a held pull
  Duration offset_flush_interval = std::chrono::seconds(5);  // consumerOffset.json
  Duration client_scan_interval = std::chrono::seconds(10);  // idle client scan
  Duration client_expiry = std::chrono::seconds(120);        // idle channel removed
};

}  // namespace quiver::broker
