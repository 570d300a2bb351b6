#pragma once
// The name-server facet (RegistryServer): request handlers over a RouteTable, the scan
// that drops silent brokers, and the close listener that drops a broker at once when its
// connection goes (rocketmq-protocol.md §2.2, §6).
//
// Handled request codes: REGISTER_BROKER (103), UNREGISTER_BROKER (104),
// GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
// GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), DELETE_TOPIC_IN_NAMESRV (216),
// GET_TOPICS_BY_CLUSTER (224), QUERY_DATA_VERSION (322). A request missing a required
// field, or with a body that does not parse, gets SYSTEM_ERROR with the reason as remark
// (what a Java name server answers when a header cannot be decoded).
//
// Threading: handlers run on transport I/O threads and never block (the table's lock is
// held only for in-memory work). The scan runs on the clock's executor.
// Lifetime: handlers and listeners registered on the transport server share ownership of
// the table, so they stay valid if they run after this object is destroyed.

#include <memory>

#include "nameserver_config.h"
#include "quiver/plugin_context.h"
#include "quiver/registry.h"
#include "quiver/transport.h"
#include "route_table.h"

namespace quiver::registry::nameserver {

class NameserverServer final : public RegistryServer {
 public:
  // `context` must outlive this object (the kernel guarantees it).
  NameserverServer(PluginContext& context, NameserverConfig config);
  ~NameserverServer() override;

  // kFailedPrecondition when the context has no transport server or Start ran already.
  Status Start() override;
  void Stop() override;

  // For tests and tools: the live tables.
  const RouteTable& table() const { return *core_->table; }

  // Handles one request as the transport would deliver it; public so tests can exercise
  // handlers without a transport.
  void Handle(const ConnectionPtr& connection, RemotingCommand request, Responder responder);

 private:
  struct Core {
    std::shared_ptr<RouteTable> table = std::make_shared<RouteTable>();
    PluginContext* context = nullptr;
    NameserverConfig config;
  };
  static RemotingCommand Dispatch(Core& core, const ConnectionPtr& connection,
                                  const RemotingCommand& request);
  static void Scan(Core& core);

  std::shared_ptr<Core> core_;
  TimerPtr scan_timer_;
  bool started_ = false;
};

}  // namespace quiver::registry::nameserver
