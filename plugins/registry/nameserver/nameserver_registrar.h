#pragma once
// The broker facet (Registrar): registers the broker with EVERY configured name server at
// Start, again every heartbeat_interval, and at once on Publish (a hot change); Stop sends
// UNREGISTER_BROKER to each and waits for the answers, at most request_timeout.
//
// Each REGISTER_BROKER carries the full topic table (RocketMQ's forceRegister) with the
// body's CRC32 in bodyCrc32; name servers never talk to each other, so a name server that
// missed a registration catches up at the next heartbeat.
//
// Threading: any thread; requests go through the context's TransportClient and never
// block. Stop blocks up to request_timeout and must not run on a transport I/O thread.
// Lifetime: completions that arrive after destruction find only shared state and do
// nothing.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "nameserver_config.h"
#include "requests.h"
#include "quiver/plugin_context.h"
#include "quiver/registry.h"
#include "quiver/transport.h"

namespace quiver::registry::nameserver {

class NameserverRegistrar final : public Registrar {
 public:
  // `context` must outlive this object. REQUIRES: config.addresses not empty.
  NameserverRegistrar(PluginContext& context, NameserverConfig config);
  ~NameserverRegistrar() override;

  // kInvalidArgument for an identity without cluster, name, "host:port" address, or with a
  // negative id; kFailedPrecondition without a transport client or when already started.
  Status Start(const BrokerRegistration& self) override;
  // kFailedPrecondition (through `done`) before Start or after Stop.
  void Publish(const BrokerRegistration& self, std::function<void(Status)> done) override;
  void Stop() override;

 private:
  struct State {
    PluginContext* context = nullptr;
    NameserverConfig config;
    std::mutex mu;
    std::optional<BrokerRegistration> current;
    bool running = false;
  };
  // Sends the current registration to every name server; `done` gets the first error.
  static void RegisterAll(const std::shared_ptr<State>& state, std::function<void(Status)> done);

  std::shared_ptr<State> state_;
  TimerPtr heartbeat_;
};

}  // namespace quiver::registry::nameserver
