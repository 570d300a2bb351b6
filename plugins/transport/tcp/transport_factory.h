#pragma once
// The factory the tcp plugin exports (plugin.cc). Each Create* reads [transport.tcp]
// (every supported key, see README.md) and fails with kInvalidArgument naming the key.
// Uses context.config and context.logger only; a null logger gets a silent one.

#include <memory>

#include "quiver/plugin_context.h"
#include "quiver/transport.h"

namespace quiver::transport::tcp {

class TcpTransportFactory final : public TransportFactory {
 public:
  StatusOr<std::unique_ptr<TransportServer>> CreateServer(PluginContext& context) override;
  StatusOr<std::unique_ptr<TransportClient>> CreateClient(PluginContext& context) override;
};

}  // namespace quiver::transport::tcp
