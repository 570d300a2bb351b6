#pragma once
// One ZooKeeper session through the C client (libzookeeper_mt), kept alive across
// disconnects and re-made after expiry.
//
// Connection loss: the C client reconnects by itself (same session; ephemerals and watches
// survive); `on_disconnected` then `on_connected(kSameSession)` fire. Expiry (the server
// dropped the session: its ephemerals are gone, its watches too): the dead handle is
// closed and a new one made on the context's executor; `on_connected(kNewSession)` fires
// once the new session exists, and the owner re-creates ephemerals and re-reads.
//
// Threading: every method may be called from any thread. Events and completions run on
// the C client's completion thread (or, for a call refused before reaching ZooKeeper, on
// the context's executor), in order, and must not block; they may issue new async calls.
// Start() blocks (never call it from a callback). Stop() blocks until the client's threads
// are gone; after it returns no event or completion runs.
// Lifetime: hold it in a shared_ptr; posted work keeps only a weak_ptr.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <zookeeper/zookeeper.h>

#include "quiver/plugin_context.h"
#include "quiver/status.h"
#include "zookeeper_config.h"

namespace quiver::registry::zookeeper {

enum class SessionKind { kNewSession, kSameSession };

struct SessionEvents {
  std::function<void(SessionKind)> on_connected;
  std::function<void()> on_disconnected;
  // A watch fired: `type` is ZOO_CHILD_EVENT, ZOO_CHANGED_EVENT, ZOO_DELETED_EVENT or
  // ZOO_CREATED_EVENT for `path`.
  std::function<void(int type, const std::string& path)> on_watch;
};

// "ZooKeeper error -4 (connection loss)" style text for a C client return code.
std::string ZkError(int rc);

class ZkSession : public std::enable_shared_from_this<ZkSession> {
 public:
  using RcCallback = std::function<void(int rc)>;
  using DataCallback = std::function<void(int rc, std::string data, const Stat* stat)>;
  using ChildrenCallback = std::function<void(int rc, std::vector<std::string> children)>;
  using StatCallback = std::function<void(int rc, const Stat* stat)>;

  // `context` must outlive the session. `who` names the facet in logs ("registrar").
  static std::shared_ptr<ZkSession> Make(PluginContext& context, ZookeeperConfig config,
                                         std::string who, SessionEvents events);
  ~ZkSession();

  // Opens the first session and waits for it, at most config.session_timeout.
  // kUnavailable naming the ensemble when no server answered in time; kInvalidArgument when
  // the C client rejects the connect string; kFailedPrecondition when already started.
  Status Start();
  // Closes the session (the server deletes its ephemerals at once) and joins the client.
  void Stop();

  bool Connected() const;
  // The current session's id (0 before the first session).
  std::int64_t SessionId() const;
  const ZookeeperConfig& config() const { return config_; }

  // Async operations; `done` always runs exactly once (ZCLOSING after Stop).
  void Create(const std::string& path, const std::string& data, int flags, RcCallback done);
  void Get(const std::string& path, bool watch, DataCallback done);
  void GetChildren(const std::string& path, bool watch, ChildrenCallback done);
  void Exists(const std::string& path, bool watch, StatCallback done);
  void Set(const std::string& path, const std::string& data, RcCallback done);
  void Delete(const std::string& path, RcCallback done);

 private:
  ZkSession(PluginContext& context, ZookeeperConfig config, std::string who, SessionEvents events);
  static void Watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  void OnSessionEvent(zhandle_t* zh, int state);
  // Replaces an expired handle (runs on the executor).
  void Renew();
  zhandle_t* Open();
  // Runs `call` with the live handle under the shared lock; when there is none, or `call`
  // returns an error (the completion then never runs), `fail(rc)` runs on the executor.
  void Call(const std::function<int(zhandle_t*)>& call, std::function<void(int)> fail);

  PluginContext& context_;
  const ZookeeperConfig config_;
  const std::string who_;
  const SessionEvents events_;

  mutable std::shared_mutex handle_mu_;  // guards handle_ (shared: calls; exclusive: swap)
  zhandle_t* handle_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool connected_ = false;
  std::int64_t session_id_ = 0;
  TimerPtr renew_timer_;  // retry of a failed Renew()
};

}  // namespace quiver::registry::zookeeper
