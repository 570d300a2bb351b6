#include "zk_session.h"

#include <cerrno>
#include <cstring>

#include <spdlog/logger.h>

namespace quiver::registry::zookeeper {
namespace {

// A completion's callback travels through the C client as `const void* data`.
template <typename F>
struct Box {
  F fn;
};

void StringDone(int rc, const char* /*value*/, const void* data) {
  std::unique_ptr<Box<ZkSession::RcCallback>> box(
      static_cast<Box<ZkSession::RcCallback>*>(const_cast<void*>(data)));
  box->fn(rc);
}

void VoidDone(int rc, const void* data) {
  std::unique_ptr<Box<ZkSession::RcCallback>> box(
      static_cast<Box<ZkSession::RcCallback>*>(const_cast<void*>(data)));
  box->fn(rc);
}

void StatDone(int rc, const Stat* stat, const void* data) {
  std::unique_ptr<Box<ZkSession::StatCallback>> box(
      static_cast<Box<ZkSession::StatCallback>*>(const_cast<void*>(data)));
  box->fn(rc, rc == ZOK ? stat : nullptr);
}

void SetDone(int rc, const Stat* /*stat*/, const void* data) {
  std::unique_ptr<Box<ZkSession::RcCallback>> box(
      static_cast<Box<ZkSession::RcCallback>*>(const_cast<void*>(data)));
  box->fn(rc);
}

void DataDone(int rc, const char* value, int length, const Stat* stat, const void* data) {
  std::unique_ptr<Box<ZkSession::DataCallback>> box(
      static_cast<Box<ZkSession::DataCallback>*>(const_cast<void*>(data)));
  std::string bytes;
  if (rc == ZOK && value != nullptr && length > 0) bytes.assign(value, length);
  box->fn(rc, std::move(bytes), rc == ZOK ? stat : nullptr);
}

void ChildrenDone(int rc, const String_vector* strings, const void* data) {
  std::unique_ptr<Box<ZkSession::ChildrenCallback>> box(
      static_cast<Box<ZkSession::ChildrenCallback>*>(const_cast<void*>(data)));
  std::vector<std::string> children;
  if (rc == ZOK && strings != nullptr) {
    for (int i = 0; i < strings->count; ++i) children.emplace_back(strings->data[i]);
  }
  box->fn(rc, std::move(children));
}

}  // namespace

std::string ZkError(int rc) {
  return "ZooKeeper error " + std::to_string(rc) + " (" + zerror(rc) + ")";
}

std::shared_ptr<ZkSession> ZkSession::Make(PluginContext& context, ZookeeperConfig config,
                                           std::string who, SessionEvents events) {
  return std::shared_ptr<ZkSession>(
      new ZkSession(context, std::move(config), std::move(who), std::move(events)));
}

ZkSession::ZkSession(PluginContext& context, ZookeeperConfig config, std::string who,
                     SessionEvents events)
    : context_(context),
      config_(std::move(config)),
      who_(std::move(who)),
      events_(std::move(events)) {}

ZkSession::~ZkSession() { Stop(); }

zhandle_t* ZkSession::Open() {
  // The C client logs to stderr at INFO by default (process-wide setting): keep warnings.
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  const int timeout_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_timeout).count());
  return zookeeper_init(config_.ensemble.c_str(), &ZkSession::Watcher, timeout_ms, nullptr, this,
                        0);
}

Status ZkSession::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return FailedPreconditionError("registry.zookeeper: session already started");
    started_ = true;
  }
  {
    std::unique_lock handle_lock(handle_mu_);
    errno = 0;
    handle_ = Open();
    if (handle_ == nullptr) {
      return InvalidArgumentError("registry.zookeeper: the ZooKeeper client rejects ensemble \"" +
                                  config_.ensemble + "\": " + std::strerror(errno));
    }
  }
  std::unique_lock lock(mu_);
  if (cv_.wait_for(lock, config_.session_timeout, [this] { return connected_; })) {
    return Status::Ok();
  }
  lock.unlock();
  Stop();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_timeout).count();
  return UnavailableError("registry.zookeeper: " + who_ + ": no session with ensemble \"" +
                          config_.ensemble + "\" within " + std::to_string(ms) + " ms" +
                          " (session_timeout); is ZooKeeper running at " + config_.ensemble + "?");
}

void ZkSession::Stop() {
  TimerPtr timer;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    connected_ = false;
    timer = std::move(renew_timer_);
  }
  if (timer) timer->Cancel();
  zhandle_t* old = nullptr;
  {
    std::unique_lock handle_lock(handle_mu_);
    std::swap(old, handle_);
  }
  // Outside the lock: completions that run during close may issue calls (they fail).
  if (old != nullptr) zookeeper_close(old);
}

bool ZkSession::Connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

std::int64_t ZkSession::SessionId() const {
  std::lock_guard lock(mu_);
  return session_id_;
}

void ZkSession::Watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx) {
  auto* self = static_cast<ZkSession*>(ctx);
  {
    // Events of a handle being replaced or closed are stale.
    std::shared_lock handle_lock(self->handle_mu_);
    if (zh != self->handle_) return;
  }
  if (type == ZOO_SESSION_EVENT) {
    self->OnSessionEvent(zh, state);
    return;
  }
  if (self->events_.on_watch && path != nullptr) self->events_.on_watch(type, path);
}

void ZkSession::OnSessionEvent(zhandle_t* zh, int state) {
  if (state == ZOO_CONNECTED_STATE) {
    const clientid_t* id = zoo_client_id(zh);
    SessionKind kind;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      kind = id->client_id != session_id_ ? SessionKind::kNewSession : SessionKind::kSameSession;
      session_id_ = id->client_id;
      connected_ = true;
    }
    cv_.notify_all();
    if (context_.logger) {
      context_.logger->info("registry.zookeeper: {}: {} session 0x{:x} with {} (timeout {} ms)",
                            who_, kind == SessionKind::kNewSession ? "new" : "resumed",
                            id->client_id, config_.ensemble, zoo_recv_timeout(zh));
    }
    if (events_.on_connected) events_.on_connected(kind);
    return;
  }
  bool was_connected;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    was_connected = connected_;
    connected_ = false;
  }
  if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
    if (context_.logger) {
      context_.logger->warn(
          "registry.zookeeper: {}: session {} ({}); opening a new one with {}", who_,
          state == ZOO_EXPIRED_SESSION_STATE ? "expired" : "refused (auth failed)",
          state == ZOO_EXPIRED_SESSION_STATE ? "its ephemeral znodes and watches are gone"
                                             : "check the ensemble's ACLs",
          config_.ensemble);
    }
    if (was_connected && events_.on_disconnected) events_.on_disconnected();
    std::weak_ptr<ZkSession> weak = weak_from_this();
    context_.executor->Post([weak] {
      if (auto self = weak.lock()) self->Renew();
    });
    return;
  }
  if (was_connected && events_.on_disconnected) events_.on_disconnected();
}

void ZkSession::Renew() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  zhandle_t* old = nullptr;
  {
    std::unique_lock handle_lock(handle_mu_);
    old = handle_;
    handle_ = Open();
  }
  if (old != nullptr) zookeeper_close(old);
  bool failed;
  {
    std::shared_lock handle_lock(handle_mu_);
    failed = handle_ == nullptr;
  }
  if (failed) {
    if (context_.logger) {
      context_.logger->warn("registry.zookeeper: {}: cannot open a new session with {}; retrying",
                            who_, config_.ensemble);
    }
    std::weak_ptr<ZkSession> weak = weak_from_this();
    TimerPtr retry = context_.clock->RunAfter(std::chrono::seconds(1), [weak] {
      if (auto self = weak.lock()) self->Renew();
    });
    std::lock_guard lock(mu_);
    if (!stopping_) renew_timer_ = std::move(retry);
  }
}

void ZkSession::Call(const std::function<int(zhandle_t*)>& call, std::function<void(int)> fail) {
  int rc;
  {
    std::shared_lock handle_lock(handle_mu_);
    rc = handle_ != nullptr ? call(handle_) : ZCLOSING;
  }
  if (rc != ZOK) context_.executor->Post([fail = std::move(fail), rc] { fail(rc); });
}

void ZkSession::Create(const std::string& path, const std::string& data, int flags,
                       RcCallback done) {
  auto* box = new Box<RcCallback>{std::move(done)};
  Call(
      [&](zhandle_t* zh) {
        return zoo_acreate(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                           &ZOO_OPEN_ACL_UNSAFE, flags, &StringDone, box);
      },
      [box](int rc) { StringDone(rc, nullptr, box); });
}

void ZkSession::Get(const std::string& path, bool watch, DataCallback done) {
  auto* box = new Box<DataCallback>{std::move(done)};
  Call([&](zhandle_t* zh) { return zoo_aget(zh, path.c_str(), watch ? 1 : 0, &DataDone, box); },
       [box](int rc) { DataDone(rc, nullptr, 0, nullptr, box); });
}

void ZkSession::GetChildren(const std::string& path, bool watch, ChildrenCallback done) {
  auto* box = new Box<ChildrenCallback>{std::move(done)};
  Call(
      [&](zhandle_t* zh) {
        return zoo_aget_children(zh, path.c_str(), watch ? 1 : 0, &ChildrenDone, box);
      },
      [box](int rc) { ChildrenDone(rc, nullptr, box); });
}

void ZkSession::Exists(const std::string& path, bool watch, StatCallback done) {
  auto* box = new Box<StatCallback>{std::move(done)};
  Call([&](zhandle_t* zh) { return zoo_aexists(zh, path.c_str(), watch ? 1 : 0, &StatDone, box); },
       [box](int rc) { StatDone(rc, nullptr, box); });
}

void ZkSession::Set(const std::string& path, const std::string& data, RcCallback done) {
  auto* box = new Box<RcCallback>{std::move(done)};
  Call(
      [&](zhandle_t* zh) {
        return zoo_aset(zh, path.c_str(), data.data(), static_cast<int>(data.size()), -1, &SetDone,
                        box);
      },
      [box](int rc) { SetDone(rc, nullptr, box); });
}

void ZkSession::Delete(const std::string& path, RcCallback done) {
  auto* box = new Box<RcCallback>{std::move(done)};
  Call([&](zhandle_t* zh) { return zoo_adelete(zh, path.c_str(), -1, &VoidDone, box); },
       [box](int rc) { VoidDone(rc, box); });
}

}  // namespace quiver::registry::zookeeper
