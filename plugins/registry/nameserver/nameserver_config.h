#pragma once
// The [registry.nameserver] table (DESIGN.md §8) and its validation.
//
//   addresses          = ["127.0.0.1:9876"]  REQUIRED for brokers and clients
//   heartbeat_interval = "30s"   broker -> every name server (REGISTER_BROKER)
//   scan_interval      = "10s"   name server: how often silent brokers are looked for
//   broker_expiry      = "120s"  name server: silence after which a broker is dropped
//   route_refresh      = "30s"   client: how often routes are pulled
//   request_timeout    = "3s"    broker and client: timeout of each request
//
// Every facet reads every key (so one file can carry them all and the kernel's unknown-key
// check still catches typos); a facet only uses the keys that concern it.

#include <string>
#include <vector>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/status.h"

namespace quiver::registry::nameserver {

struct NameserverConfig {
  std::vector<std::string> addresses;
  Duration heartbeat_interval = std::chrono::seconds(30);
  Duration scan_interval = std::chrono::seconds(10);
  Duration broker_expiry = std::chrono::seconds(120);
  Duration route_refresh = std::chrono::seconds(30);
  Duration request_timeout = std::chrono::seconds(3);
};

// Whether `addresses` must be present and non-empty (registrar, discovery) or may be
// absent (the name server itself, which ignores it).
enum class AddressesRequired { kYes, kNo };

// Reads and validates every key. Errors come from `view` (position and key path):
// kInvalidArgument for a missing required key, a wrong type, a duration that is not
// positive, an address that is not "host:port" with a port in 1..65535, or a duplicate.
StatusOr<NameserverConfig> ReadNameserverConfig(const ConfigView& view,
                                                AddressesRequired addresses_required);

// OK when `address` is "host:port" (host non-empty; "[v6]:port" accepted; port 1..65535).
// Otherwise kInvalidArgument saying what is wrong (without the key path).
Status ValidateHostPort(const std::string& address);

}  // namespace quiver::registry::nameserver
