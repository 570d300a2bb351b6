#include "transport_factory.h"

#include <spdlog/logger.h>

#include "tcp_client.h"
#include "tcp_config.h"
#include "tcp_server.h"

namespace quiver::transport::tcp {
namespace {

StatusOr<TcpConfig> ReadConfig(const PluginContext& context) {
  if (!context.config) {
    return InvalidArgumentError("transport.tcp: the plugin context carries no config view");
  }
  return ParseTcpConfig(*context.config);
}

std::shared_ptr<spdlog::logger> LoggerOf(const PluginContext& context) {
  if (context.logger) return context.logger;
  // Not registered with spdlog and without sinks: a logger that drops everything.
  return std::make_shared<spdlog::logger>("transport.tcp");
}

}  // namespace

StatusOr<std::unique_ptr<TransportServer>> TcpTransportFactory::CreateServer(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(TcpConfig config, ReadConfig(context));
  return std::unique_ptr<TransportServer>(new TcpServer(config, LoggerOf(context)));
}

StatusOr<std::unique_ptr<TransportClient>> TcpTransportFactory::CreateClient(
    PluginContext& context) {
  QUIVER_ASSIGN_OR_RETURN(TcpConfig config, ReadConfig(context));
  return std::unique_ptr<TransportClient>(new TcpClient(config, LoggerOf(context)));
}

}  // namespace quiver::transport::tcp
