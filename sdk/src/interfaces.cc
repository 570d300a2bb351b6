// Out-of-line destructors: the key functions that give every SDK interface one vtable and
// one typeinfo, in libquiver-sdk.so, shared by the kernel and all plugins.
#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/executor.h"
#include "quiver/metrics.h"
#include "quiver/plugin.h"
#include "quiver/registry.h"
#include "quiver/replication.h"
#include "quiver/storage.h"
#include "quiver/transport.h"

namespace quiver {
inline namespace v1 {

TimerHandle::~TimerHandle() = default;
Clock::~Clock() = default;
Executor::~Executor() = default;
Metrics::~Metrics() = default;
ConfigView::~ConfigView() = default;
PluginFactory::~PluginFactory() = default;
Connection::~Connection() = default;
TransportServer::~TransportServer() = default;
TransportClient::~TransportClient() = default;
RegistryServer::~RegistryServer() = default;
Registrar::~Registrar() = default;
Discovery::~Discovery() = default;
MessageStore::~MessageStore() = default;
Replicator::~Replicator() = default;
BrokerMetadata::~BrokerMetadata() = default;

std::string_view PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kTransport:
      return "transport";
    case PluginKind::kRegistry:
      return "registry";
    case PluginKind::kStorage:
      return "storage";
    case PluginKind::kReplication:
      return "replication";
  }
  return "unknown";
}

void Responder::Send(RemotingCommand response) const {
  if (!send_) return;
  // The first Send wins: take the function out so that later calls find nothing.
  std::shared_ptr<SendFn> send = send_;
  SendFn fn;
  fn.swap(*send);
  if (fn) fn(std::move(response));
}

}  // namespace v1
}  // namespace quiver
