#pragma once
// The kernel's part of a node's TOML file (DESIGN.md §8): role, plugin_dirs, [log], the
// role's table, and which plugin of each kind the role uses. Plugins read their own
// tables ([<kind>.<name>]) themselves; the kernel only hands them the view.
//
// Which tables a role uses:
//   nameserver -> [nameserver], [transport] (server), [registry] (server facet)
//   broker     -> [broker], [transport] (server + client), [registry] (registrar),
//                 [storage], [replication]
//   client     -> [client], [transport] (client), [registry] (discovery)
// [log] is used by every role. Unknown keys in the tables in use are errors; tables for
// another role, and [<kind>.<name>] tables of plugins that are not selected, are warnings.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/config/toml_config_view.h"
#include "quiver/plugin.h"
#include "quiver/plugin_context.h"
#include "quiver/status.h"

namespace quiver::kernel {

// "nameserver", "broker", "client".
std::string_view NodeRoleName(NodeRole role);

struct NameserverSettings {
  std::string listen = "127.0.0.1:9876";
};

struct BrokerSettings {
  std::string cluster = "DefaultCluster";
  std::string name;  // REQUIRED
  std::int64_t id = 0;
  std::string listen = "127.0.0.1:10911";
  // As written; "" means "the address the transport server bound" (listen, or the port
  // picked for port 0). Required when listen's host is 0.0.0.0 or [::].
  std::string advertise;
  std::filesystem::path store_dir;  // REQUIRED; relative paths are resolved against the file
  bool auto_create_topic = true;
  std::int64_t default_queues = 4;
  std::uint64_t max_message_size = 4ULL << 20;
  std::vector<Duration> delay_levels;
  // Caps of one PULL_MESSAGE answer (RocketMQ's maxTransferCount/BytesOnMessageInMemory).
  std::int64_t max_transfer_count = 1024;
  std::uint64_t max_transfer_bytes = 4ULL << 20;
};

struct ClientSettings {
  std::string instance_name;  // "" in the file becomes "<host>@<pid>"
  Duration request_timeout = std::chrono::seconds(3);
};

// The plugin a role uses for one kind, and the view of its [<kind>.<name>] table.
struct PluginChoice {
  PluginKind kind = PluginKind::kTransport;
  std::string name;
  std::shared_ptr<const TomlConfigView> config;
};

struct NodeConfig {
  std::filesystem::path file;  // as given
  std::shared_ptr<const TomlConfigView> root;
  NodeRole role = NodeRole::kClient;
  std::vector<std::filesystem::path> plugin_dirs;  // resolved against the file's directory
  std::string log_level = "info";
  NameserverSettings nameserver;
  BrokerSettings broker;
  ClientSettings client;
  // The role's plugins in dependency order: transport, registry, storage, replication
  // (storage and replication for brokers only).
  std::vector<PluginChoice> plugins;
  // One line each, "<file>:<line>:<column>: table [x] ...; ignored". The caller logs them.
  std::vector<std::string> warnings;

  // The chosen plugin of `kind`. REQUIRES: the role uses that kind.
  const PluginChoice& Plugin(PluginKind kind) const;
};

// The default delay levels of §8 ("1s 5s 10s 30s 1m ... 2h").
inline constexpr std::string_view kDefaultDelayLevels =
    "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

// Reads and validates the kernel's keys of the file whose root view is `root` (loaded from
// `file`), and checks that the kernel's tables in use hold no unknown key. Every error is
// kInvalidArgument with file, position, key path and what was expected.
StatusOr<NodeConfig> ReadNodeConfig(std::shared_ptr<const TomlConfigView> root,
                                    const std::filesystem::path& file);

// Loads `file` and reads it (TomlConfigView::LoadFile + ReadNodeConfig).
StatusOr<NodeConfig> LoadNodeConfig(const std::filesystem::path& file);

// After the role's facets were created (plugins read their tables in Create*): rejects the
// first key of a selected plugin's table that the plugin did not read:
//   "broker.toml:7:1: unknown key storage.commitlog.segmnet_size (not read by storage
//    plugin \"commitlog\"); check its spelling"
Status CheckPluginTables(const NodeConfig& config);

// Reads only [log] level from `file` (for SIGHUP). kInvalidArgument as above.
StatusOr<std::string> ReadLogLevel(const std::filesystem::path& file);

}  // namespace quiver::kernel
