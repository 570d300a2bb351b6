#pragma once
// The kernel's Executor: a Boost.Asio io_context run by N threads. Kernel-private; plugins
// see only quiver::Executor. Asio stays out of this header (the io_context is declared).
//
// Lifecycle: Start() launches the threads; Stop() lets the running tasks finish, stops the
// threads and joins them; tasks still queued (and tasks posted afterwards) never run and are
// destroyed with the executor. An exception escaping a task is logged and the thread goes
// on running other tasks.
//
// Thread safety: Post from any thread; Start/Stop from one owning thread, not from a task.

#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "quiver/executor.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace quiver::kernel {

class AsioExecutor final : public Executor {
 public:
  // REQUIRES: threads >= 1. `logger` reports exceptions escaping tasks (may be null).
  AsioExecutor(std::size_t threads, std::shared_ptr<spdlog::logger> logger);
  ~AsioExecutor() override;

  void Start();
  // Idempotent. REQUIRES: not called from one of the executor's threads.
  void Stop();

  void Post(std::function<void()> fn) override;

  // True on one of the executor's threads.
  bool RunsInThisThread() const;
  // For the kernel's timers (AsioClock).
  boost::asio::io_context& io_context();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver::kernel
