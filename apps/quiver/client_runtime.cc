#include "client_runtime.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <spdlog/logger.h>

#include "kernel/config/node_config.h"
#include "kernel/config/toml_config_view.h"
#include "kernel/node/node.h"
#include "kernel/roles/client/client_role.h"
#include "kernel/runtime/logging.h"
#include "quiver/protocol/codes.h"
#include "quiver/units.h"

namespace quiver::app {
namespace {

// The first non-loopback IPv4 address, as RocketMQ's clientIP; 127.0.0.1 if none.
std::string LocalIp() {
  ifaddrs* list = nullptr;
  std::string ip = "127.0.0.1";
  if (getifaddrs(&list) != 0) return ip;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) == nullptr) continue;
    if (std::string(text).rfind("127.", 0) == 0) continue;
    ip = text;
    break;
  }
  freeifaddrs(list);
  return ip;
}

// A client config equivalent to `-n "a:p;b:p"`.
std::string NamesrvConfigText(const client::ClientOptions& options) {
  std::string text = "role = \"client\"\n[log]\nlevel = \"warn\"\n[client]\n";
  text += "request_timeout = \"" + FormatDuration(options.request_timeout) + "\"\n";
  text += "[registry]\nplugin = \"nameserver\"\n[registry.nameserver]\naddresses = [";
  for (std::size_t i = 0; i < options.namesrv_addresses.size(); ++i) {
    if (i > 0) text += ", ";
    text += "\"" + options.namesrv_addresses[i] + "\"";
  }
  text += "]\n";
  return text;
}

class KernelClientRuntime final : public client::ClientRuntime {
 public:
  KernelClientRuntime(std::unique_ptr<kernel::LogRegistry> logs, std::string client_id,
                      Duration request_timeout)
      : logs_(std::move(logs)),
        logger_(logs_->Get("client")),
        client_id_(std::move(client_id)),
        request_timeout_(request_timeout) {}
  ~KernelClientRuntime() override {
    if (node_ != nullptr) node_->Stop();
    node_.reset();
  }

  Status Start(kernel::NodeConfig config) {
    QUIVER_ASSIGN_OR_RETURN(node_, kernel::Node::Assemble(std::move(config), *logs_));
    auto* role = dynamic_cast<kernel::ClientRole*>(&node_->role());
    if (role == nullptr) {
      return InvalidArgumentError(node_->config().file.string() +
                                  ": the client commands need a client config (role = \"client\")");
    }
    role_ = role;
    // Before the node starts: the transport takes handlers only before its first request.
    role_->transport_client().RegisterHandler(
        protocol::request_code::kNotifyConsumerIdsChanged,
        [this](const ConnectionPtr&, RemotingCommand request, Responder) {
          StatusOr<std::string> group = request.RequireExt("consumerGroup");
          if (group.ok()) NotifyConsumerIdsChanged(*group);
        });
    return node_->Start();
  }

  TransportClient& transport() override { return role_->transport_client(); }
  Discovery& discovery() override { return role_->discovery(); }
  Clock& clock() override { return node_->clock(); }
  Executor& executor() override { return node_->executor(); }
  spdlog::logger& logger() override { return *logger_; }
  std::string client_id() const override { return client_id_; }
  Duration request_timeout() const override { return request_timeout_; }

 private:
  std::unique_ptr<kernel::LogRegistry> logs_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string client_id_;
  Duration request_timeout_;
  std::unique_ptr<kernel::Node> node_;
  kernel::ClientRole* role_ = nullptr;
};

}  // namespace

StatusOr<std::shared_ptr<client::ClientRuntime>> MakeClientRuntime(
    const client::ClientOptions& options) {
  StatusOr<kernel::NodeConfig> config = InvalidArgumentError("no client configuration");
  if (!options.config_file.empty()) {
    config = kernel::LoadNodeConfig(options.config_file);
  } else if (!options.namesrv_addresses.empty()) {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const kernel::TomlConfigView> root,
                            kernel::TomlConfigView::Parse(NamesrvConfigText(options), "-n"));
    config = kernel::ReadNodeConfig(std::move(root), "-n");
  } else {
    return InvalidArgumentError(
        "give the name servers with -n \"host:port[;host:port]\" or a "
        "client file with --config CLIENT.toml");
  }
  if (!config.ok()) return config.status();
  if (config->role != NodeRole::kClient) {
    return InvalidArgumentError(options.config_file +
                                ": the client commands need a client config (role = \"client\")");
  }

  auto logs = std::make_unique<kernel::LogRegistry>();
  QUIVER_RETURN_IF_ERROR(logs->SetLevel(config->log_level));
  std::string instance = !options.instance_name.empty()          ? options.instance_name
                         : !config->client.instance_name.empty() ? config->client.instance_name
                                                                 : std::to_string(getpid());
  Duration timeout =
      options.config_file.empty() ? options.request_timeout : config->client.request_timeout;
  auto runtime =
      std::make_shared<KernelClientRuntime>(std::move(logs), LocalIp() + "@" + instance, timeout);
  Status started = runtime->Start(std::move(*config));
  if (!started.ok()) return started;
  return std::shared_ptr<client::ClientRuntime>(std::move(runtime));
}

}  // namespace quiver::app
