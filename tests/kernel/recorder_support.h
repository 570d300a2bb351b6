#pragma once
// Shared by the "recorder" test plugins (one of each kind): every lifecycle call is logged
// as "recorder: <facet> <event>" through the plugin's context logger, so process tests can
// check start and stop order in the node's log. Each plugin reads `fail_start` (bool) from
// its table: true makes its Start()/Open() fail, to test the rollback of a partial start.

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "quiver/plugin_context.h"
#include "quiver/status.h"

namespace quiver::testing::recorder {

struct Settings {
  bool fail_start = false;
};

inline StatusOr<Settings> ReadSettings(const PluginContext& context) {
  Settings settings;
  QUIVER_ASSIGN_OR_RETURN(settings.fail_start, context.config->GetBool("fail_start", false));
  return settings;
}

class Recorder {
 public:
  Recorder(std::shared_ptr<spdlog::logger> logger, std::string facet, Settings settings)
      : logger_(std::move(logger)), facet_(std::move(facet)), settings_(settings) {
    Record("created");
  }
  void Record(const std::string& event) const { logger_->info("recorder: {} {}", facet_, event); }
  Status Start(const std::string& detail = "") const {
    if (settings_.fail_start) {
      Record("start refused");
      return UnavailableError("recorder " + facet_ + " refuses to start (fail_start = true)");
    }
    Record(detail.empty() ? "start" : "start " + detail);
    return Status::Ok();
  }
  void Stop() const { Record("stop"); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::string facet_;
  Settings settings_;
};

}  // namespace quiver::testing::recorder
