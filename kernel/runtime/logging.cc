#include "kernel/runtime/logging.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace quiver::kernel {

StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return InvalidArgumentError(
      "expected a log level \"trace\" | \"debug\" | \"info\" | \"warn\" | "
      "\"error\", found \"" +
      std::string(level) + "\"");
}

LogRegistry::LogRegistry() : LogRegistry(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {}

LogRegistry::LogRegistry(spdlog::sink_ptr sink) : sink_(std::move(sink)) {
  sink_->set_pattern(kPattern);
}

LogRegistry::~LogRegistry() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& logger : loggers_) logger->flush();
}

std::shared_ptr<spdlog::logger> LogRegistry::Get(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& logger : loggers_) {
    if (logger->name() == name) return logger;
  }
  auto logger = std::make_shared<spdlog::logger>(std::string(name), sink_);
  logger->set_level(level_);
  logger->flush_on(spdlog::level::warn);
  loggers_.push_back(logger);
  return logger;
}

Status LogRegistry::SetLevel(std::string_view level) {
  QUIVER_ASSIGN_OR_RETURN(spdlog::level::level_enum parsed, ParseLogLevel(level));
  std::lock_guard<std::mutex> lock(mu_);
  level_ = parsed;
  for (const auto& logger : loggers_) logger->set_level(parsed);
  return Status::Ok();
}

spdlog::level::level_enum LogRegistry::level() const {
  std::lock_guard<std::mutex> lock(mu_);
  return level_;
}

}  // namespace quiver::kernel
