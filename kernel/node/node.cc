#include "kernel/node/node.h"

#include <spdlog/logger.h>

namespace quiver::kernel {

Node::Node(NodeConfig config, LogRegistry& logs)
    : config_(std::move(config)), logs_(logs), logger_(logs.Get("kernel")) {}

StatusOr<std::unique_ptr<Node>> Node::Assemble(NodeConfig config, LogRegistry& logs) {
  std::unique_ptr<Node> node(new Node(std::move(config), logs));
  QUIVER_RETURN_IF_ERROR(logs.SetLevel(node->config_.log_level));
  for (const std::string& warning : node->config_.warnings) node->logger_->warn("{}", warning);

  node->host_ = std::make_unique<PluginHost>(node->config_.plugin_dirs);
  node->executor_ = std::make_unique<AsioExecutor>(kExecutorThreads, logs.Get("kernel.executor"));
  node->clock_ = std::make_unique<AsioClock>(*node->executor_);

  NodeServices services;
  services.config = &node->config_;
  services.host = node->host_.get();
  services.logs = &logs;
  services.executor = node->executor_.get();
  services.clock = node->clock_.get();
  services.metrics = &node->metrics_;
  QUIVER_ASSIGN_OR_RETURN(node->role_, BuildRole(services));
  QUIVER_RETURN_IF_ERROR(CheckPluginTables(node->config_));

  // Where each plugin came from, for `quiver check` and the log.
  StatusOr<std::vector<PluginFileInfo>> found = node->host_->ListPlugins();
  for (const PluginChoice& choice : node->config_.plugins) {
    PluginFileInfo info;
    info.kind = choice.kind;
    info.name = choice.name;
    if (found.ok()) {
      for (const PluginFileInfo& f : *found) {
        if (f.kind == choice.kind && f.name == choice.name && !f.shadowed && f.error.ok()) {
          info = f;
          break;
        }
      }
    }
    node->logger_->info("{} plugin {} {} from {}", PluginKindName(info.kind), info.name,
                        info.version.empty() ? "?" : info.version,
                        info.path.empty() ? "?" : info.path.string());
    node->plugin_files_.push_back(std::move(info));
  }

  node->lifecycle_ = std::make_unique<Lifecycle>(node->logger_);
  node->role_->AddComponents(*node->lifecycle_);
  return node;
}

Node::~Node() {
  if (lifecycle_) lifecycle_->StopAll();
  if (executor_) executor_->Stop();
  lifecycle_.reset();  // its steps refer to the role's facets
  role_.reset();       // plugin objects, then their contexts (and loggers)
  clock_.reset();
  executor_.reset();  // pending tasks, which may hold plugin code, while libraries are loaded
  host_.reset();      // factories, then libraries
}

Status Node::Start() {
  executor_->Start();
  Status status = lifecycle_->StartAll();
  if (!status.ok()) {
    executor_->Stop();
    return status;
  }
  logger_->info("{} started ({})", NodeRoleName(config_.role), config_.file.string());
  return Status::Ok();
}

void Node::Stop() {
  lifecycle_->StopAll();
  executor_->Stop();
  logger_->info("{} stopped", NodeRoleName(config_.role));
}

Status Node::ReloadLogLevel() {
  StatusOr<std::string> level = ReadLogLevel(config_.file);
  if (!level.ok()) return level.status();
  QUIVER_RETURN_IF_ERROR(logs_.SetLevel(*level));
  return Status::Ok();
}

Executor& Node::executor() { return *executor_; }
Clock& Node::clock() { return *clock_; }

}  // namespace quiver::kernel
