#pragma once
// The node's loggers: one per component ("kernel", "transport.tcp", "storage.commitlog"),
// all writing to one sink (stderr by default, so stdout stays free for command output),
// with the pattern "[time] [name] [level] message" and one level for all of them ([log]
// level, changed at run time by SIGHUP).
//
// Loggers are not registered in spdlog's global registry (no globals): the kernel hands them
// out, plugins never call spdlog::get or register_logger. The registry must outlive every
// logger user (the kernel destroys plugin objects first, anchors-style §7.7).
//
// Thread safety: any thread.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

#include "quiver/status.h"

namespace spdlog {
class logger;
}

namespace quiver::kernel {

// "trace" | "debug" | "info" | "warn" | "error"; kInvalidArgument otherwise.
StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view level);

class LogRegistry {
 public:
  inline static constexpr const char* kPattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] %v";

  // Logs to stderr.
  LogRegistry();
  // Logs to `sink` (tests).
  explicit LogRegistry(spdlog::sink_ptr sink);
  ~LogRegistry();
  LogRegistry(const LogRegistry&) = delete;
  LogRegistry& operator=(const LogRegistry&) = delete;

  // The logger named `name`, created on first use at the current level.
  std::shared_ptr<spdlog::logger> Get(std::string_view name);
  // Applies `level` to every logger, present and future. kInvalidArgument for a bad name.
  Status SetLevel(std::string_view level);
  spdlog::level::level_enum level() const;

 private:
  mutable std::mutex mu_;
  spdlog::sink_ptr sink_;
  spdlog::level::level_enum level_ = spdlog::level::info;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
};

}  // namespace quiver::kernel
