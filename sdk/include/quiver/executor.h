#pragma once
// The kernel's worker threads, as plugins see them.
//
// Completion callbacks, timer callbacks and deferred work run here. Plugins that need
// their own I/O event loops (the tcp transport) own them; everything else posts here.

#include <functional>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

class QUIVER_SDK_VISIBLE Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor();

  // Runs `fn` soon on one of the executor's threads, never inline. Tasks may run
  // concurrently with each other; a task must not block on disk or network for long.
  // Thread safety: any thread. After the kernel stops the executor, posted tasks are
  // destroyed without running.
  virtual void Post(std::function<void()> fn) = 0;
};

}  // namespace v1
}  // namespace quiver
