#pragma once
// Publishes the broker's registration after hot changes (a topic created, a role change)
// without one registration per change. Each registration carries the whole topic table,
// so creating N topics one after another used to send N registrations of up to N topics
// each (O(N^2) JSON on the broker and the name server; 1,000 topics: ~75 MB). Now, while
// one publication is in flight, further requests only mark it stale; when it completes,
// one more publication carries the registration current at that moment. The latest
// change is therefore always published, at most one publication later.
//
// Thread safety: any thread. `send` is called outside the lock; its completion may run on
// any thread, also inline. Lifetime: a completion arriving after destruction does nothing.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "quiver/route.h"

namespace quiver::broker {

class RegistrationPublisher {
 public:
  // The registration to publish now (read when a publication starts).
  using Current = std::function<BrokerRegistration()>;
  // Starts publishing `registration`; calls `done` once when it finished (either way:
  // failures are the sender's to log, the next heartbeat retries).
  using Send = std::function<void(const BrokerRegistration& registration,
                                  std::function<void()> done)>;

  RegistrationPublisher(Current current, Send send);
  RegistrationPublisher(const RegistrationPublisher&) = delete;
  RegistrationPublisher& operator=(const RegistrationPublisher&) = delete;

  // Publishes the current registration now, or after the publication in flight.
  void Request();
  // Publications started so far (tests, stats).
  std::uint64_t Publications() const;

 private:
  struct State {
    Current current;
    Send send;
    mutable std::mutex mu;
    bool in_flight = false;  // guarded by mu
    bool stale = false;      // guarded by mu: a request arrived during the flight
    std::uint64_t publications = 0;  // guarded by mu
  };
  static void SendLatest(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
};

}  // namespace quiver::broker
