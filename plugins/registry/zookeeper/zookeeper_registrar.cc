#include "zookeeper_registrar.h"

#include <spdlog/logger.h>

#include "znode_codec.h"

namespace quiver::registry::zookeeper {
namespace {

// How many times a registration replaces a stale znode or re-creates a vanished one
// before reporting failure (each round is one ZooKeeper round trip).
constexpr int kAttempts = 3;

// "/a/b" -> {"/a", "/a/b"}.
std::vector<std::string> Prefixes(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    out.push_back(path.substr(0, slash));
  }
  out.push_back(path);
  return out;
}

Status Failed(const std::string& what, const std::string& path, int rc) {
  return UnavailableError("registry.zookeeper: " + what + " " + path + ": " + ZkError(rc));
}

}  // namespace

ZookeeperRegistrar::ZookeeperRegistrar(PluginContext& context, ZookeeperConfig config)
    : state_(std::make_shared<State>()) {
  state_->context = &context;
  state_->config = std::move(config);
}

ZookeeperRegistrar::~ZookeeperRegistrar() { Stop(); }

Status ZookeeperRegistrar::Start(const BrokerRegistration& self) {
  const BrokerIdentity& id = self.identity;
  QUIVER_RETURN_IF_ERROR(ValidateSegment("cluster", id.cluster));
  QUIVER_RETURN_IF_ERROR(ValidateSegment("broker name", id.broker_name));
  if (id.broker_id.value() < 0) {
    return InvalidArgumentError("registry.zookeeper: broker id " +
                                std::to_string(id.broker_id.value()) + " is negative");
  }
  if (id.address.empty()) {
    return InvalidArgumentError("registry.zookeeper: the broker has no address to publish");
  }
  std::shared_ptr<State> state = state_;
  {
    std::lock_guard lock(state->mu);
    if (state->running || state->session) {
      return FailedPreconditionError("registry.zookeeper: registrar already started");
    }
    state->current = self;
    state->path = BrokerZnodePath(state->config.root, id);
    state->running = true;
  }
  std::weak_ptr<State> weak = state;
  SessionEvents events;
  events.on_connected = [weak](SessionKind kind) {
    auto state = weak.lock();
    if (!state) return;
    // A new session lost the znode with the old one; a resumed one re-checks it (a
    // Publish may have failed while disconnected).
    Register(
        state,
        [weak](Status status) {
          auto state = weak.lock();
          if (!state) return;
          {
            std::lock_guard lock(state->mu);
            if (!state->first_result) {
              state->first_result = status;
              state->registered_cv.notify_all();
            }
          }
          if (!status.ok() && state->context->logger) {
            state->context->logger->warn("{} (retried at the next reconnection)", status.message());
          } else if (state->context->logger) {
            state->context->logger->info("registry.zookeeper: registered as {}", state->path);
          }
        },
        kAttempts);
  };
  state->session = ZkSession::Make(*state->context, state->config, "registrar", std::move(events));
  Status started = state->session->Start();
  if (!started.ok()) {
    std::lock_guard lock(state->mu);
    state->running = false;
    return started;
  }
  std::unique_lock lock(state->mu);
  if (!state->registered_cv.wait_for(lock, state->config.session_timeout,
                                     [&] { return state->first_result.has_value(); })) {
    return UnavailableError("registry.zookeeper: " + state->path + " not created within " +
                            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               state->config.session_timeout)
                                               .count()) +
                            " ms (session_timeout)");
  }
  return *state->first_result;
}

void ZookeeperRegistrar::Register(const std::shared_ptr<State>& state,
                                  std::function<void(Status)> done, int attempts_left) {
  std::string path, data;
  {
    std::lock_guard lock(state->mu);
    if (!state->running || !state->current) {
      done(FailedPreconditionError("registry.zookeeper: registrar not started"));
      return;
    }
    path = state->path;
    data = EncodeBrokerZnode(*state->current);
  }
  // Requests of one session apply in order: the parents exist before the znode is made.
  std::vector<std::string> parents = Prefixes(path.substr(0, path.rfind('/')));
  for (const std::string& parent : parents) {
    state->session->Create(parent, "", ZOO_PERSISTENT, [](int) {});
  }
  state->session->Create(
      path, data, ZOO_EPHEMERAL,
      [state, path, done = std::move(done), attempts_left](int rc) mutable {
        if (rc == ZOK) return done(Status::Ok());
        if (rc != ZNODEEXISTS || attempts_left <= 1) {
          return done(Failed("creating", path, rc));
        }
        // Ours (a retried create that had committed) or a stale one of an earlier process.
        state->session->Exists(
            path, false,
            [state, path, done = std::move(done), attempts_left](int rc, const Stat* stat) mutable {
              if (rc == ZNONODE) return Register(state, std::move(done), attempts_left - 1);
              if (rc != ZOK) return done(Failed("checking", path, rc));
              if (stat->ephemeralOwner == state->session->SessionId()) {
                return WriteData(state, std::move(done), attempts_left - 1);
              }
              if (state->context->logger) {
                state->context->logger->info(
                    "registry.zookeeper: replacing {} left by session 0x{:x} (an earlier process)",
                    path, stat->ephemeralOwner);
              }
              state->session->Delete(
                  path, [state, path, done = std::move(done), attempts_left](int rc) mutable {
                    if (rc != ZOK && rc != ZNONODE) return done(Failed("deleting", path, rc));
                    Register(state, std::move(done), attempts_left - 1);
                  });
            });
      });
}

void ZookeeperRegistrar::WriteData(const std::shared_ptr<State>& state,
                                   std::function<void(Status)> done, int attempts_left) {
  std::string path, data;
  {
    std::lock_guard lock(state->mu);
    if (!state->running || !state->current) {
      done(FailedPreconditionError("registry.zookeeper: registrar not started"));
      return;
    }
    path = state->path;
    data = EncodeBrokerZnode(*state->current);
  }
  state->session->Set(path, data,
                      [state, path, done = std::move(done), attempts_left](int rc) mutable {
                        if (rc == ZOK) return done(Status::Ok());
                        if (rc == ZNONODE && attempts_left > 1) {
                          return Register(state, std::move(done), attempts_left - 1);
                        }
                        done(Failed("updating", path, rc));
                      });
}

void ZookeeperRegistrar::Publish(const BrokerRegistration& self, std::function<void(Status)> done) {
  std::string moved_from;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->running) {
      state_->context->executor->Post([done = std::move(done)] {
        done(FailedPreconditionError("registry.zookeeper: registrar not started"));
      });
      return;
    }
    state_->current = self;
    std::string path = BrokerZnodePath(state_->config.root, self.identity);
    if (path != state_->path) moved_from.swap(state_->path), state_->path = path;
  }
  if (!moved_from.empty()) {
    // A new identity (a slave promoted to broker id 0): the old znode goes, a new one comes.
    std::shared_ptr<State> state = state_;
    state_->session->Delete(moved_from, [state, done = std::move(done)](int) mutable {
      Register(state, std::move(done), kAttempts);
    });
    return;
  }
  WriteData(state_, std::move(done), kAttempts);
}

void ZookeeperRegistrar::Stop() {
  std::shared_ptr<ZkSession> session;
  {
    std::lock_guard lock(state_->mu);
    state_->running = false;
    session = state_->session;
  }
  // Closing the session deletes its ephemeral znode at once.
  if (session) session->Stop();
}

}  // namespace quiver::registry::zookeeper
