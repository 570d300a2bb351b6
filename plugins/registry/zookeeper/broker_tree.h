#pragma once
// A watched copy of every broker znode under <root> (see znode_codec.h for the layout):
// the reader shared by the client's Discovery and the route gateway.
//
// Reads are driven by watches, never by polling: a child watch on every directory level
// and a data watch on every broker znode, each re-armed when it fires (ZooKeeper watches
// are one-shot). On every (re)connection the whole tree is read again (watches set on a
// lost session are gone; a resumed one may have missed a change while disconnected), and
// changes are reported as usual. A broker znode whose data does not decode, or whose data
// names another broker than its path, is logged and skipped.
//
// While disconnected the last known brokers stay (AP for reads, as the C client's
// reconnect is pending), and Health() is kUnavailable with the reason.
//
// Threading: any thread. The change listener runs on the ZooKeeper completion thread,
// without a lock held, after every change of the snapshot, and must not block.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "quiver/plugin_context.h"
#include "quiver/status.h"
#include "route_builder.h"
#include "zk_session.h"
#include "zookeeper_config.h"

namespace quiver::registry::zookeeper {

class BrokerTree : public std::enable_shared_from_this<BrokerTree> {
 public:
  // `context` must outlive the tree. `who` names the facet in logs.
  static std::shared_ptr<BrokerTree> Make(PluginContext& context, ZookeeperConfig config,
                                          std::string who);
  ~BrokerTree();

  // Sets the listener called after each change (before Start).
  void SetChangeListener(std::function<void()> listener);
  // Connects and waits until the tree was read once, both at most session_timeout:
  // kUnavailable ("is ZooKeeper running at ...?") when the ensemble cannot be reached.
  Status Start();
  void Stop();

  std::shared_ptr<const BrokerSnapshot> Snapshot() const;
  Status Health() const;

 private:
  BrokerTree(PluginContext& context, ZookeeperConfig config, std::string who);
  void OnConnected();
  void OnDisconnected();
  void OnWatch(int type, const std::string& path);
  void ReadDir(const std::string& path);
  void ReadBroker(const std::string& path);
  void WatchRootCreation();
  // Removes `path` and everything below it. REQUIRES: mu_ held. True when brokers changed.
  bool RemoveLocked(const std::string& path);
  // One read finished; `changed` when the snapshot changed.
  void Finish(bool changed);

  PluginContext& context_;
  const ZookeeperConfig config_;
  const std::string who_;
  std::shared_ptr<ZkSession> session_;
  std::function<void()> listener_;

  mutable std::mutex mu_;
  std::condition_variable loaded_cv_;
  bool loaded_ = false;
  int pending_ = 0;                                        // reads in flight
  std::map<std::string, std::set<std::string>> children_;  // directory -> child names
  std::set<std::string> watched_;                          // paths with a watch armed
  std::shared_ptr<const BrokerSnapshot> brokers_ = std::make_shared<BrokerSnapshot>();
  std::map<std::string, std::string> raw_;  // broker znode path -> data as read
  Status health_;
};

}  // namespace quiver::registry::zookeeper
