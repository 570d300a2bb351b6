#pragma once
// What every processor of the broker shares: settings, plugins, tables, clock, executor.
// Built by BrokerProcessing, which outlives the processors. Not a public interface.

#include <functional>
#include <memory>
#include <string>

#include "kernel/roles/broker/processing/broker_metadata_tables.h"
#include "kernel/roles/broker/processing/broker_settings.h"
#include "kernel/roles/broker/processing/broker_stats.h"
#include "kernel/roles/broker/processing/client_manager.h"
#include "kernel/roles/broker/processing/consume_activity.h"
#include "kernel/roles/broker/processing/task_tracker.h"
#include "quiver/clock.h"
#include "quiver/executor.h"
#include "quiver/message.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/replication.h"
#include "quiver/storage.h"
#include "quiver/transport.h"

namespace spdlog {
class logger;
}

namespace quiver::broker {

struct ProcessingContext {
  const BrokerSettings& settings;
  HostAddress store_host;  // parsed settings.advertise
  MessageStore& store;
  Replicator& replicator;
  BrokerMetadataTables& metadata;
  ClientManager& clients;
  BrokerStats& stats;
  TaskTracker& tasks;
  Clock& clock;
  Executor& executor;
  std::shared_ptr<spdlog::logger> logger;
  // Marks topics.json for the next deferred write and publishes the new registration at
  // once (hot change). Returns the status of the last background write (an error is
  // reported once, then retried). Any thread.
  std::function<Status()> topics_changed;
  // Who pulled which queue last, and pull rates (GET_CONSUME_STATS). Owned here.
  ConsumeActivity activity{};
};

// A response to `request` with `code` and `remark`.
inline protocol::RemotingCommand Reply(const protocol::RemotingCommand& request, std::int32_t code,
                                       std::string remark = {}) {
  return protocol::RemotingCommand::ResponseTo(
      request, code, remark.empty() ? std::nullopt : std::optional<std::string>(std::move(remark)));
}

}  // namespace quiver::broker
