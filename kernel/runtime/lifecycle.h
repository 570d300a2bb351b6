#pragma once
// Starts a node's components in dependency order and stops them in reverse.
//
// StartAll() starts the components in the order they were added. If one fails, the ones
// already started are stopped in reverse order and StartAll returns the error, naming the
// component: "failed to start transport.tcp server: 127.0.0.1:9876: address in use". No
// partial start survives. StopAll() stops the started components in reverse order; it is
// idempotent and also runs from the destructor. An exception escaping a start or stop
// function is caught and reported as kInternal (a plugin must not throw, anchors §7.2).
//
// Thread safety: one owning thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quiver/status.h"

namespace spdlog {
class logger;
}

namespace quiver::kernel {

class Lifecycle {
 public:
  // `logger` (may be null) gets one info line per start and stop.
  explicit Lifecycle(std::shared_ptr<spdlog::logger> logger = nullptr);
  ~Lifecycle();
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // REQUIRES: before StartAll(). Either function may be empty (nothing to do).
  void Add(std::string name, std::function<Status()> start, std::function<void()> stop);

  Status StartAll();
  void StopAll();

  // Names of the components that are started now, in start order.
  std::vector<std::string> Started() const;

 private:
  struct Component {
    std::string name;
    std::function<Status()> start;
    std::function<void()> stop;
  };

  std::shared_ptr<spdlog::logger> logger_;
  std::vector<Component> components_;
  std::size_t started_ = 0;  // components_[0, started_) are running
};

}  // namespace quiver::kernel
