#include "kernel/runtime/lifecycle.h"

#include <exception>

#include <spdlog/logger.h>

namespace quiver::kernel {
namespace {

Status GuardedStart(const std::function<Status()>& start) {
  if (!start) return Status::Ok();
  try {
    return start();
  } catch (const std::exception& e) {
    return InternalError(std::string("threw an exception: ") + e.what());
  } catch (...) {
    return InternalError("threw a non-standard exception");
  }
}

}  // namespace

Lifecycle::Lifecycle(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

Lifecycle::~Lifecycle() { StopAll(); }

void Lifecycle::Add(std::string name, std::function<Status()> start, std::function<void()> stop) {
  QUIVER_CHECK_MSG(started_ == 0, "Lifecycle::Add after StartAll");
  components_.push_back({std::move(name), std::move(start), std::move(stop)});
}

Status Lifecycle::StartAll() {
  while (started_ < components_.size()) {
    const Component& c = components_[started_];
    Status status = GuardedStart(c.start);
    if (!status.ok()) {
      if (logger_) logger_->error("failed to start {}: {}", c.name, status.message());
      StopAll();
      return Status(status.code(), "failed to start " + c.name + ": " + status.message());
    }
    ++started_;
    if (logger_) logger_->info("started {}", c.name);
  }
  return Status::Ok();
}

void Lifecycle::StopAll() {
  while (started_ > 0) {
    const Component& c = components_[--started_];
    if (!c.stop) continue;
    try {
      c.stop();
    } catch (const std::exception& e) {
      if (logger_) logger_->error("stopping {} threw an exception: {}", c.name, e.what());
    } catch (...) {
      if (logger_) logger_->error("stopping {} threw a non-standard exception", c.name);
    }
    if (logger_) logger_->info("stopped {}", c.name);
  }
}

std::vector<std::string> Lifecycle::Started() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < started_; ++i) out.push_back(components_[i].name);
  return out;
}

}  // namespace quiver::kernel
