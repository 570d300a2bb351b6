#include "nameserver_registrar.h"

#include <condition_variable>

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"

namespace quiver::registry::nameserver {
namespace {

Status ValidateIdentity(const BrokerIdentity& id) {
  if (id.cluster.empty()) return InvalidArgumentError("broker identity: cluster is empty");
  if (id.broker_name.empty()) {
    return InvalidArgumentError("broker identity: broker name is empty");
  }
  if (id.broker_id.value() < 0) {
    return InvalidArgumentError("broker identity: broker id " +
                                std::to_string(id.broker_id.value()) + " is negative");
  }
  Status address = ValidateHostPort(id.address);
  if (!address.ok()) return address.WithContext("broker identity: address");
  return Status::Ok();
}

// Collects the outcome of one request per name server and reports the first error.
struct Fanout {
  std::mutex mu;
  std::size_t remaining = 0;
  Status first_error;
  std::function<void(Status)> done;

  void Finish(Status status) {
    std::function<void(Status)> call;
    Status result;
    {
      std::lock_guard lock(mu);
      if (!status.ok() && first_error.ok()) first_error = std::move(status);
      if (--remaining != 0) return;
      call.swap(done);
      result = first_error;
    }
    if (call) call(std::move(result));
  }
};

}  // namespace

NameserverRegistrar::NameserverRegistrar(PluginContext& context, NameserverConfig config)
    : state_(std::make_shared<State>()) {
  state_->context = &context;
  state_->config = std::move(config);
}

NameserverRegistrar::~NameserverRegistrar() { Stop(); }

Status NameserverRegistrar::Start(const BrokerRegistration& self) {
  QUIVER_RETURN_IF_ERROR(ValidateIdentity(self.identity));
  if (state_->context->transport_client == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: the registrar needs the node's transport client");
  }
  {
    std::lock_guard lock(state_->mu);
    if (state_->running || heartbeat_) {
      return FailedPreconditionError("registry.nameserver: registrar already started");
    }
    state_->current = self;
    state_->running = true;
  }
  std::shared_ptr<State> state = state_;
  RegisterAll(state, nullptr);
  heartbeat_ = state_->context->clock->RunEvery(state_->config.heartbeat_interval,
                                                [state] { RegisterAll(state, nullptr); });
  return Status::Ok();
}

void NameserverRegistrar::Publish(const BrokerRegistration& self,
                                  std::function<void(Status)> done) {
  Status valid = ValidateIdentity(self.identity);
  {
    std::lock_guard lock(state_->mu);
    if (!state_->running) {
      valid = FailedPreconditionError("registry.nameserver: Publish before Start or after Stop");
    } else if (valid.ok()) {
      state_->current = self;
    }
  }
  if (!valid.ok()) {
    if (done) done(valid);
    return;
  }
  RegisterAll(state_, std::move(done));
}

void NameserverRegistrar::RegisterAll(const std::shared_ptr<State>& state,
                                      std::function<void(Status)> done) {
  RemotingCommand request;
  {
    std::lock_guard lock(state->mu);
    if (!state->running || !state->current) {
      if (done) done(FailedPreconditionError("registry.nameserver: registrar stopped"));
      return;
    }
    request = MakeRegisterBrokerRequest(*state->current);
  }
  if (state->config.addresses.empty()) {
    if (done) done(FailedPreconditionError("registry.nameserver: no name server addresses"));
    return;
  }
  auto fanout = std::make_shared<Fanout>();
  fanout->remaining = state->config.addresses.size();
  fanout->done = std::move(done);
  for (const std::string& address : state->config.addresses) {
    std::weak_ptr<State> weak = state;
    state->context->transport_client->InvokeAsync(
        address, request, state->config.request_timeout,
        [weak, fanout, address](StatusOr<RemotingCommand> response) {
          Status status =
              response.ok() ? StatusFromResponse("register with name server " + address, *response)
                            : response.status().WithContext("register with name server " + address);
          std::shared_ptr<State> s = weak.lock();
          if (!status.ok() && s && s->context->logger) {
            s->context->logger->warn("{}; retrying at the next heartbeat", status.message());
          }
          fanout->Finish(std::move(status));
        });
  }
}

void NameserverRegistrar::Stop() {
  if (heartbeat_) {
    heartbeat_->Cancel();
    heartbeat_.reset();
  }
  std::optional<BrokerRegistration> last;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->running) return;
    state_->running = false;
    last = state_->current;
  }
  if (!last) return;
  // Unregister from every name server and wait, at most request_timeout, for the answers.
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t remaining = 0;
  };
  auto wait = std::make_shared<Wait>();
  wait->remaining = state_->config.addresses.size();
  RemotingCommand request = MakeUnregisterBrokerRequest(last->identity);
  for (const std::string& address : state_->config.addresses) {
    state_->context->transport_client->InvokeAsync(address, request, state_->config.request_timeout,
                                                   [wait](StatusOr<RemotingCommand>) {
                                                     std::lock_guard lock(wait->mu);
                                                     --wait->remaining;
                                                     wait->cv.notify_all();
                                                   });
  }
  std::unique_lock lock(wait->mu);
  wait->cv.wait_for(lock, state_->config.request_timeout, [&] { return wait->remaining == 0; });
}

}  // namespace quiver::registry::nameserver
