#include "kernel/node/commands.h"

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <ostream>

#include <spdlog/logger.h>

#include "kernel/node/node.h"
#include "kernel/runtime/signal_watcher.h"

namespace quiver::kernel {
namespace {

// One line: the message only (it already says what, where and how to fix).
void PrintError(std::ostream& err, const Status& status) { err << status.message() << std::endl; }

// Stop requests from the signal thread to the main thread.
class StopLatch {
 public:
  void Request(int signal_number) {
    std::lock_guard<std::mutex> lock(mu_);
    signal_ = signal_number;
    cv_.notify_all();
  }
  bool requested() {
    std::lock_guard<std::mutex> lock(mu_);
    return signal_ != 0;
  }
  int Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return signal_ != 0; });
    return signal_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int signal_ = 0;
};

}  // namespace

int RunStart(const std::filesystem::path& config_file, std::ostream& err) {
  StatusOr<NodeConfig> config = LoadNodeConfig(config_file);
  if (!config.ok()) {
    PrintError(err, config.status());
    return kExitUsage;
  }
  LogRegistry logs;
  auto logger = logs.Get("kernel");

  // Signals are watched before anything starts, so a SIGTERM during start-up still stops
  // the node gracefully once it is up. `live_node` is set while the node can take a reload.
  StopLatch stop;
  std::mutex node_mu;
  Node* live_node = nullptr;
  SignalWatcher signals({
      .stop =
          [&](int signal_number) {
            logger->info("received {}, stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
            stop.Request(signal_number);
          },
      .reload =
          [&] {
            std::lock_guard<std::mutex> lock(node_mu);
            if (live_node == nullptr) return;
            Status status = live_node->ReloadLogLevel();
            if (status.ok()) {
              logger->info("SIGHUP: log level is now {}",
                           spdlog::level::to_string_view(logs.level()));
            } else {
              logger->error("SIGHUP: keeping the log level: {}", status.message());
            }
          },
  });

  StatusOr<std::unique_ptr<Node>> node = Node::Assemble(std::move(*config), logs);
  if (!node.ok()) {
    PrintError(err, node.status());
    return kExitUsage;  // config, plugin not found or broken, facet creation refused
  }
  {
    std::lock_guard<std::mutex> lock(node_mu);
    live_node = node->get();  // SIGHUP works from here on, during start-up too
  }
  Status started = (*node)->Start();
  if (started.ok()) stop.Wait();
  {
    std::lock_guard<std::mutex> lock(node_mu);
    live_node = nullptr;
  }
  if (!started.ok()) {
    PrintError(err, started);
    return kExitFailed;
  }
  (*node)->Stop();
  return kExitOk;
}

int RunCheck(const std::filesystem::path& config_file, std::ostream& out, std::ostream& err) {
  StatusOr<NodeConfig> config = LoadNodeConfig(config_file);
  if (!config.ok()) {
    PrintError(err, config.status());
    return kExitUsage;
  }
  // Like `nginx -t`: only warnings (unused tables) and errors, whatever [log] level says.
  if (config->log_level != "error") config->log_level = "warn";
  LogRegistry logs;
  StatusOr<std::unique_ptr<Node>> node = Node::Assemble(std::move(*config), logs);
  if (!node.ok()) {
    PrintError(err, node.status());
    return kExitUsage;
  }
  const NodeConfig& checked = (*node)->config();
  out << config_file.string() << ": OK (role " << NodeRoleName(checked.role) << ";";
  const char* separator = " ";
  for (const PluginFileInfo& info : (*node)->plugin_files()) {
    out << separator << PluginKindName(info.kind) << " " << info.name << " "
        << (info.path.empty() ? "?" : info.path.string());
    separator = ", ";
  }
  out << ")" << std::endl;
  return kExitOk;
}

int RunPlugins(const std::filesystem::path* config_file, std::ostream& out, std::ostream& err) {
  std::vector<std::filesystem::path> dirs;
  if (config_file != nullptr) {
    StatusOr<NodeConfig> config = LoadNodeConfig(*config_file);
    if (!config.ok()) {
      PrintError(err, config.status());
      return kExitUsage;
    }
    dirs = config->plugin_dirs;
  }
  PluginHost host(dirs);
  StatusOr<std::vector<PluginFileInfo>> plugins = host.ListPlugins();
  if (!plugins.ok()) {
    PrintError(err, plugins.status());
    return kExitUsage;
  }
  for (const PluginFileInfo& p : *plugins) {
    if (!p.error.ok()) {
      out << "? ? ? " << p.path.string() << " (error: " << p.error.message() << ")\n";
      continue;
    }
    out << PluginKindName(p.kind) << " " << p.name << " " << (p.version.empty() ? "?" : p.version)
        << " " << p.path.string() << (p.shadowed ? " (shadowed)" : "") << "\n";
  }
  if (plugins->empty()) {
    std::string searched;
    for (const auto& dir : host.search_path())
      searched += (searched.empty() ? "" : ":") + dir.string();
    err << "no plugins found; searched " << searched
        << " (add directories with QUIVER_PLUGIN_PATH or plugin_dirs)" << std::endl;
  }
  out.flush();
  return kExitOk;
}

}  // namespace quiver::kernel
