#pragma once
// The broker facet (Registrar): one ephemeral znode per broker,
// <root>/<cluster>/brokers/<broker_name>/<broker_id>, holding its registration (see
// znode_codec.h). Persistent parents are created as needed.
//
// Start opens the session and waits (at most session_timeout) until the znode exists.
// Publish replaces the znode's data at once. On every (re)connection the znode is made
// again if missing: after expiry the server deleted it with the old session. A znode left
// by an earlier process of the same broker (killed, its session not yet expired) is
// replaced. Stop closes the session, which deletes the znode at once.
//
// Threading: any thread; Start and Stop block and must not run on a ZooKeeper or transport
// thread. Completions of Publish run on the ZooKeeper completion thread or the executor.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "quiver/plugin_context.h"
#include "quiver/registry.h"
#include "zk_session.h"
#include "zookeeper_config.h"

namespace quiver::registry::zookeeper {

class ZookeeperRegistrar final : public Registrar {
 public:
  // `context` must outlive this object.
  ZookeeperRegistrar(PluginContext& context, ZookeeperConfig config);
  ~ZookeeperRegistrar() override;

  // kInvalidArgument for an identity that cannot be a znode path or lacks an address;
  // kUnavailable when the ensemble cannot be reached or the znode not written in time;
  // kFailedPrecondition when already started.
  Status Start(const BrokerRegistration& self) override;
  void Publish(const BrokerRegistration& self, std::function<void(Status)> done) override;
  void Stop() override;

 private:
  struct State : std::enable_shared_from_this<State> {
    PluginContext* context = nullptr;
    ZookeeperConfig config;
    std::shared_ptr<ZkSession> session;
    std::mutex mu;
    std::optional<BrokerRegistration> current;
    std::string path;
    bool running = false;
    std::condition_variable registered_cv;
    std::optional<Status> first_result;  // of the first registration, for Start()
  };
  // Makes the parents and the znode (replacing a stale one), then sets the current data.
  static void Register(const std::shared_ptr<State>& state, std::function<void(Status)> done,
                       int attempts_left);
  static void WriteData(const std::shared_ptr<State>& state, std::function<void(Status)> done,
                        int attempts_left);

  std::shared_ptr<State> state_;
};

}  // namespace quiver::registry::zookeeper
