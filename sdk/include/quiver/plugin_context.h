#pragma once
// Everything a plugin receives from the kernel. No globals, no singletons: a plugin reads
// its configuration, logs, schedules work and reaches the other facets only through this.
//
// Ownership: the kernel owns every object referred to here and keeps it alive longer than
// any object the plugin creates from this context. Pointers that a kind does not get are
// null; each is documented with the kinds and roles that receive it.

#include <memory>
#include <string>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/executor.h"
#include "quiver/metrics.h"
#include "quiver/route.h"

namespace spdlog {
class logger;
}

namespace quiver {
inline namespace v1 {

class TransportServer;
class TransportClient;
class MessageStore;
class BrokerMetadata;

enum class NodeRole { kNameserver, kBroker, kClient };

struct PluginContext {
  // The plugin's own table, e.g. [transport.tcp] (an empty view when absent). Every key the
  // plugin does not read is rejected by the kernel after creation.
  std::shared_ptr<const ConfigView> config;
  // A logger named "<kind>.<name>" whose level follows [log] level. Use it; never create
  // or register spdlog loggers in a plugin.
  std::shared_ptr<spdlog::logger> logger;
  Executor* executor = nullptr;  // always set
  Clock* clock = nullptr;        // always set
  Metrics* metrics = nullptr;    // always set
  NodeRole role = NodeRole::kClient;
  // Directory of the node's on-disk state ([broker] store_dir); "" for other roles.
  std::string data_dir;
  // The broker this plugin serves (broker role only; null otherwise).
  const BrokerIdentity* broker = nullptr;
  // The node's transport facets: registry server (nameserver role), replication and
  // registrar (broker role) get the server; registrar, discovery and replication the client.
  TransportServer* transport_server = nullptr;
  TransportClient* transport_client = nullptr;
  // Replication only: the broker's store and metadata.
  MessageStore* store = nullptr;
  BrokerMetadata* broker_metadata = nullptr;
};

}  // namespace v1
}  // namespace quiver
