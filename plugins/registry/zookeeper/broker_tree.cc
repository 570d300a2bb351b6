#include "broker_tree.h"

#include <vector>

#include <spdlog/logger.h>

#include "znode_codec.h"

namespace quiver::registry::zookeeper {
namespace {

bool Below(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          path[prefix.size()] == '/');
}

const std::string& KeyOf(const std::string& key) { return key; }
template <typename V>
const std::string& KeyOf(const std::pair<const std::string, V>& entry) {
  return entry.first;
}

// Erases `prefix` and every path below it from a map or set keyed by path.
template <typename Container>
bool EraseBelow(Container& map, const std::string& prefix) {
  bool erased = false;
  for (auto it = map.lower_bound(prefix);
       it != map.end() && KeyOf(*it).compare(0, prefix.size(), prefix) == 0;) {
    if (Below(KeyOf(*it), prefix)) {
      it = map.erase(it);
      erased = true;
    } else {
      ++it;
    }
  }
  return erased;
}

}  // namespace

std::shared_ptr<BrokerTree> BrokerTree::Make(PluginContext& context, ZookeeperConfig config,
                                             std::string who) {
  std::shared_ptr<BrokerTree> tree(new BrokerTree(context, config, who));
  std::weak_ptr<BrokerTree> weak = tree;
  SessionEvents events;
  events.on_connected = [weak](SessionKind) {
    if (auto t = weak.lock()) t->OnConnected();
  };
  events.on_disconnected = [weak] {
    if (auto t = weak.lock()) t->OnDisconnected();
  };
  events.on_watch = [weak](int type, const std::string& path) {
    if (auto t = weak.lock()) t->OnWatch(type, path);
  };
  tree->session_ = ZkSession::Make(context, std::move(config), std::move(who), std::move(events));
  return tree;
}

BrokerTree::BrokerTree(PluginContext& context, ZookeeperConfig config, std::string who)
    : context_(context), config_(std::move(config)), who_(std::move(who)) {}

BrokerTree::~BrokerTree() { Stop(); }

void BrokerTree::SetChangeListener(std::function<void()> listener) {
  listener_ = std::move(listener);
}

Status BrokerTree::Start() {
  QUIVER_RETURN_IF_ERROR(session_->Start());
  std::unique_lock lock(mu_);
  if (!loaded_cv_.wait_for(lock, config_.session_timeout, [this] { return loaded_; })) {
    lock.unlock();
    session_->Stop();
    return UnavailableError("registry.zookeeper: " + who_ + ": connected to " + config_.ensemble +
                            " but could not read " + config_.root + " within the session timeout");
  }
  return Status::Ok();
}

void BrokerTree::Stop() {
  if (session_) session_->Stop();
}

std::shared_ptr<const BrokerSnapshot> BrokerTree::Snapshot() const {
  std::lock_guard lock(mu_);
  return brokers_;
}

Status BrokerTree::Health() const {
  std::lock_guard lock(mu_);
  return health_;
}

void BrokerTree::OnConnected() {
  bool was_unhealthy;
  {
    std::lock_guard lock(mu_);
    // Watches of a lost session are gone, and a resumed one may have missed changes while
    // disconnected: read everything again.
    watched_.clear();
    was_unhealthy = !health_.ok();
    health_ = Status::Ok();
  }
  if (was_unhealthy && context_.logger) {
    context_.logger->info("registry.zookeeper: {}: connected again to {}; reading {} again", who_,
                          config_.ensemble, config_.root);
  }
  ReadDir(config_.root);
}

void BrokerTree::OnDisconnected() {
  std::size_t brokers;
  {
    std::lock_guard lock(mu_);
    brokers = brokers_->size();
    health_ = UnavailableError("registry.zookeeper: " + who_ + ": disconnected from ZooKeeper at " +
                               config_.ensemble + "; serving the last known routes (" +
                               std::to_string(brokers) + " brokers) until it is reachable again");
  }
  if (context_.logger) context_.logger->warn("{}", Health().message());
}

void BrokerTree::OnWatch(int type, const std::string& path) {
  std::optional<ZnodeLocation> at = Locate(config_.root, path);
  if (!at) return;
  {
    std::lock_guard lock(mu_);
    watched_.erase(path);
  }
  if (type == ZOO_CHILD_EVENT && at->depth < 4) {
    ReadDir(path);
  } else if (type == ZOO_CHANGED_EVENT && at->depth == 4) {
    ReadBroker(path);
  } else if (type == ZOO_CREATED_EVENT && at->depth == 0) {
    ReadDir(path);
  } else if (type == ZOO_DELETED_EVENT) {
    bool changed;
    {
      std::lock_guard lock(mu_);
      ++pending_;
      changed = RemoveLocked(path);
    }
    if (at->depth == 0) WatchRootCreation();
    Finish(changed);
  }
}

bool BrokerTree::RemoveLocked(const std::string& path) {
  EraseBelow(children_, path);
  EraseBelow(watched_, path);
  EraseBelow(raw_, path);
  bool changed = false;
  for (auto it = brokers_->lower_bound(path); it != brokers_->end(); ++it) {
    if (it->first.compare(0, path.size(), path) != 0) break;
    if (Below(it->first, path)) {
      changed = true;
      break;
    }
  }
  if (changed) {
    auto copy = std::make_shared<BrokerSnapshot>(*brokers_);
    EraseBelow(*copy, path);
    brokers_ = std::move(copy);
  }
  return changed;
}

void BrokerTree::ReadDir(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (!watched_.insert(path).second) return;
    ++pending_;
  }
  std::weak_ptr<BrokerTree> weak = weak_from_this();
  session_->GetChildren(path, true, [weak, path](int rc, std::vector<std::string> kids) {
    auto self = weak.lock();
    if (!self) return;
    std::vector<std::string> dirs, brokers;
    bool changed = false;
    bool root_missing = false;
    {
      std::lock_guard lock(self->mu_);
      std::optional<ZnodeLocation> at = Locate(self->config_.root, path);
      if (rc == ZOK && at) {
        std::set<std::string> now;
        for (std::string& kid : kids) {
          // Below a cluster only "brokers" is ours; other children are left alone.
          if (at->depth == 1 && kid != "brokers") continue;
          now.insert(std::move(kid));
        }
        std::set<std::string>& before = self->children_[path];
        for (const std::string& gone : std::set<std::string>(before)) {
          if (now.count(gone) == 0) changed |= self->RemoveLocked(path + "/" + gone);
        }
        self->children_[path] = now;
        for (const std::string& kid : now) {
          (at->depth == 3 ? brokers : dirs).push_back(path + "/" + kid);
        }
      } else if (rc == ZNONODE) {
        self->watched_.erase(path);
        changed = self->RemoveLocked(path);
        root_missing = at && at->depth == 0;
      } else {
        // Connection loss and the like: the resync on reconnection reads it again.
        self->watched_.erase(path);
      }
    }
    if (rc != ZOK && rc != ZNONODE && rc != ZCLOSING && self->context_.logger) {
      self->context_.logger->debug("registry.zookeeper: reading {} failed: {}", path, ZkError(rc));
    }
    for (const std::string& d : dirs) self->ReadDir(d);
    for (const std::string& b : brokers) self->ReadBroker(b);
    if (root_missing) self->WatchRootCreation();
    self->Finish(changed);
  });
}

void BrokerTree::ReadBroker(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (!watched_.insert(path).second) return;
    ++pending_;
  }
  std::weak_ptr<BrokerTree> weak = weak_from_this();
  session_->Get(path, true, [weak, path](int rc, std::string data, const Stat*) {
    auto self = weak.lock();
    if (!self) return;
    bool changed = false;
    Status skipped;
    {
      std::lock_guard lock(self->mu_);
      if (rc == ZOK) {
        auto raw = self->raw_.find(path);
        if (raw == self->raw_.end() || raw->second != data) {
          self->raw_[path] = data;
          StatusOr<BrokerRegistration> r = DecodeBrokerZnode(data);
          std::optional<ZnodeLocation> at = Locate(self->config_.root, path);
          if (r.ok() && at &&
              (r->identity.cluster != at->cluster || r->identity.broker_name != at->group ||
               std::to_string(r->identity.broker_id.value()) != at->id)) {
            r = InvalidArgumentError("broker znode: its data names broker " + r->identity.cluster +
                                     "/" + r->identity.broker_name + "/" +
                                     std::to_string(r->identity.broker_id.value()));
          }
          auto copy = std::make_shared<BrokerSnapshot>(*self->brokers_);
          if (r.ok()) {
            (*copy)[path] = std::move(*r);
          } else {
            skipped = r.status();
            copy->erase(path);
          }
          self->brokers_ = std::move(copy);
          changed = true;
        }
      } else if (rc == ZNONODE) {
        self->watched_.erase(path);
        changed = self->RemoveLocked(path);
      } else {
        self->watched_.erase(path);
      }
    }
    if (!skipped.ok() && self->context_.logger) {
      self->context_.logger->warn("registry.zookeeper: skipping {}: {}", path, skipped.message());
    }
    self->Finish(changed);
  });
}

void BrokerTree::WatchRootCreation() {
  {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  std::weak_ptr<BrokerTree> weak = weak_from_this();
  session_->Exists(config_.root, true, [weak](int rc, const Stat*) {
    auto self = weak.lock();
    if (!self) return;
    // Created in the meantime: the watch may already be spent, read it now.
    if (rc == ZOK) self->ReadDir(self->config_.root);
    self->Finish(false);
  });
}

void BrokerTree::Finish(bool changed) {
  {
    std::lock_guard lock(mu_);
    if (--pending_ == 0 && !loaded_) {
      loaded_ = true;
      loaded_cv_.notify_all();
    }
  }
  if (changed && listener_) listener_();
}

}  // namespace quiver::registry::zookeeper
