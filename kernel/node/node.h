#pragma once
// A node: the runtime (loggers, executor, clock, metrics), the plugin host and the role
// assembled from one TOML file.
//
// Assemble() loads the plugins the role uses, creates their facets (nothing starts) and
// rejects unknown keys in the plugins' tables: after it returns OK the configuration is
// known good, which is all `quiver check` needs. Start() starts the executor and the role's
// components in dependency order (no partial start: a failure stops what started). Stop()
// stops them in reverse, then the executor.
//
// Destruction follows anchors-style §7.7: components stopped, executor threads stopped,
// plugin objects destroyed (then the contexts and the loggers they hold), pending executor
// tasks destroyed, then the factories and the libraries (PluginHost) go.
//
// Thread safety: one owning thread, except ReloadLogLevel (any thread).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kernel/config/node_config.h"
#include "kernel/plugin/plugin_host.h"
#include "kernel/roles/role.h"
#include "kernel/runtime/asio_clock.h"
#include "kernel/runtime/asio_executor.h"
#include "kernel/runtime/lifecycle.h"
#include "kernel/runtime/logging.h"
#include "kernel/runtime/metrics_registry.h"

namespace quiver::kernel {

class Node {
 public:
  // Worker threads of the node's executor.
  static constexpr std::size_t kExecutorThreads = 2;

  // `logs` must outlive the node. Errors: the config, plugin and facet-creation errors,
  // each one line naming file, key or plugin.
  static StatusOr<std::unique_ptr<Node>> Assemble(NodeConfig config, LogRegistry& logs);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Status Start();
  void Stop();

  // Re-reads [log] level from the node's file and applies it to every logger. On an error
  // the level stays and the error is returned.
  Status ReloadLogLevel();

  const NodeConfig& config() const { return config_; }
  // The file each of the role's plugins was loaded from, in config.plugins order ("" when
  // the search path listing could not tell).
  const std::vector<PluginFileInfo>& plugin_files() const { return plugin_files_; }
  Role& role() { return *role_; }
  // The node's executor and clock (the client library runs on them).
  Executor& executor();
  Clock& clock();
  MetricsRegistry& metrics() { return metrics_; }

 private:
  Node(NodeConfig config, LogRegistry& logs);

  NodeConfig config_;
  LogRegistry& logs_;
  std::shared_ptr<spdlog::logger> logger_;
  // Declaration order is the reverse of destruction order (see the class comment).
  std::unique_ptr<PluginHost> host_;
  std::vector<PluginFileInfo> plugin_files_;
  MetricsRegistry metrics_;
  std::unique_ptr<AsioExecutor> executor_;
  std::unique_ptr<AsioClock> clock_;
  std::unique_ptr<Role> role_;
  std::unique_ptr<Lifecycle> lifecycle_;
};

}  // namespace quiver::kernel
