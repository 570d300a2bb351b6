#pragma once
// Turns process signals into calls on a dedicated thread: SIGINT and SIGTERM -> `stop`,
// SIGHUP -> `reload`. While the watcher lives, those signals no longer kill the process;
// destroying it stops the thread and restores their default actions.
//
// Thread safety: construct and destroy on one thread; the callbacks run on the watcher's
// thread, one at a time, and must not destroy the watcher.

#include <functional>
#include <memory>

namespace quiver::kernel {

class SignalWatcher {
 public:
  struct Handlers {
    std::function<void(int signal_number)> stop;  // SIGINT, SIGTERM
    std::function<void()> reload;                 // SIGHUP
  };

  explicit SignalWatcher(Handlers handlers);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver::kernel
