#include "kernel/roles/broker/processing/registration_publisher.h"

namespace quiver::broker {

RegistrationPublisher::RegistrationPublisher(Current current, Send send)
    : state_(std::make_shared<State>()) {
  state_->current = std::move(current);
  state_->send = std::move(send);
}

void RegistrationPublisher::Request() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->in_flight) {
      state_->stale = true;
      return;
    }
    state_->in_flight = true;
  }
  SendLatest(state_);
}

std::uint64_t RegistrationPublisher::Publications() const {
  std::lock_guard lock(state_->mu);
  return state_->publications;
}

void RegistrationPublisher::SendLatest(const std::shared_ptr<State>& state) {
  // REQUIRES: in_flight is set by the caller (this publication owns it).
  {
    std::lock_guard lock(state->mu);
    state->stale = false;
    ++state->publications;
  }
  std::weak_ptr<State> weak = state;
  state->send(state->current(), [weak] {
    std::shared_ptr<State> alive = weak.lock();
    if (!alive) return;
    {
      std::lock_guard lock(alive->mu);
      if (!alive->stale) {
        alive->in_flight = false;
        return;
      }
    }
    SendLatest(alive);
  });
}

}  // namespace quiver::broker
