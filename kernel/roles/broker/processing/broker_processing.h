#pragma once
// The broker's request processing: every request code a broker answers, its consumer
// groups, long polling and metadata persistence, as one object the broker role assembly
// (kernel/roles/broker) drives. See README.md for the request codes and their answers.
//
// Assembly order (the processing neither loads plugins nor starts the transport):
//   BrokerMetadataTables metadata(settings, clock);            // 1. before the replicator
//   QUIVER_RETURN_IF_ERROR(metadata.Load());                   //    (context.broker_metadata)
//   ... create store (Open), replicator (context.broker_metadata = &metadata), registrar ...
//   BrokerProcessing processing(settings, {*transport, *store, *replicator, metadata,
//       clock, executor, logger,
//       [&](const BrokerRegistration& r) { registrar->Publish(r, LogFailure); }});
//   QUIVER_RETURN_IF_ERROR(processing.Start());                // 2. handlers registered
//   replicator->SetRoleListener([&](const RoleChange& c) { processing.OnRoleChange(c); });
//   QUIVER_RETURN_IF_ERROR(replicator->Start());
//   QUIVER_RETURN_IF_ERROR(transport->Start(listen));          // 3. after Start()
//   QUIVER_RETURN_IF_ERROR(registrar->Start(processing.CurrentRegistration()));
//   ... shutdown: registrar->Stop(); transport->Stop(); processing.Stop();
//                 replicator->Stop(); store->Close();  then destroy processing.
//
// Hot changes (a topic created or updated, a retry topic, an auto-created topic, topics
// imported from a master, a role change) mark topics.json for the next deferred write (at
// most once a second, BrokerMetadataTables::PersistTopics; UPDATE_AND_CREATE_TOPIC writes
// before it answers) and call `publish` with the new registration at once. `publish` may
// be empty (tests): nothing is published then.
//
// Threading: handlers run on transport I/O threads and never block on disk or replicas
// (sends complete from the replicator's callback; held pulls resume on the Executor).
// Start/Stop from one control thread, not an I/O thread. Ownership: every Deps object must
// outlive this one; the transport must not deliver requests after Stop() (stop it first).

#include <functional>
#include <memory>
#include <mutex>

#include "kernel/roles/broker/processing/broker_metadata_tables.h"
#include "kernel/roles/broker/processing/broker_settings.h"
#include "kernel/roles/broker/processing/broker_stats.h"
#include "kernel/roles/broker/processing/client_manager.h"
#include "kernel/roles/broker/processing/processing_context.h"
#include "kernel/roles/broker/processing/pull_hold_service.h"
#include "kernel/roles/broker/processing/task_tracker.h"
#include "quiver/clock.h"
#include "quiver/executor.h"
#include "quiver/replication.h"
#include "quiver/route.h"
#include "quiver/storage.h"
#include "quiver/transport.h"

namespace spdlog {
class logger;
}

namespace quiver::broker {

class SendProcessor;
class PullProcessor;
class OffsetProcessor;
class ClientProcessor;
class TopicProcessor;
class AdminProcessor;
class ScheduleService;
class SendBackProcessor;
class ConsumerGroupProcessor;

class BrokerProcessing {
 public:
  struct Deps {
    TransportServer& transport;  // not started yet when Start() runs
    MessageStore& store;         // open
    Replicator& replicator;      // every append goes through it
    BrokerMetadataTables& metadata;
    Clock& clock;
    Executor& executor;
    std::shared_ptr<spdlog::logger> logger;  // may be null
    // Publishes a registration (the assembly forwards to Registrar::Publish). May be empty.
    std::function<void(const BrokerRegistration&)> publish;
  };

  BrokerProcessing(BrokerSettings settings, Deps deps);
  BrokerProcessing(const BrokerProcessing&) = delete;
  BrokerProcessing& operator=(const BrokerProcessing&) = delete;
  ~BrokerProcessing();  // Stop()

  // Loads the metadata (if not yet), registers every handler and the close listener on the
  // transport, sets the store's dispatch listener (long polling), starts the offset-flush
  // and idle-client timers. kInvalidArgument when settings.advertise is not a numeric
  // "ip:port"; the metadata's kDataLoss naming a corrupt file. Call once.
  Status Start();
  // Answers held pulls, stops timers and the schedule service, writes consumerOffset.json,
  // waits (bounded) for completions in flight, then writes delayOffset.json. Idempotent.
  void Stop();

  // What the registrar publishes: identity (after role changes), topics, data version,
  // the store's max physical offset. Any thread.
  BrokerRegistration CurrentRegistration() const;
  // The metadata the replication plugin reads and writes.
  BrokerMetadata& Metadata() { return metadata_; }
  // A replicator role change: registers under change.broker_id with the matching role,
  // and publishes at once. Any thread.
  void OnRoleChange(const RoleChange& change);

  // For tests and the admin tooling.
  std::size_t HeldPulls() const { return holds_.HeldCount(); }
  // Scheduled messages delivered to their real topic since Start().
  std::int64_t DelayedDelivered() const;

 private:
  Status TopicsChanged();
  void Publish();
  void FlushConsumerOffsets();

  BrokerSettings settings_;
  TransportServer& transport_;
  MessageStore& store_;
  Replicator& replicator_;
  BrokerMetadataTables& metadata_;
  Clock& clock_;
  Executor& executor_;
  std::shared_ptr<spdlog::logger> logger_;
  std::function<void(const BrokerRegistration&)> publish_;

  TaskTracker tasks_;
  BrokerStats stats_;
  ClientManager clients_;
  PullHoldService holds_;
  ProcessingContext context_;

  std::unique_ptr<SendProcessor> send_;
  std::unique_ptr<PullProcessor> pull_;
  std::unique_ptr<OffsetProcessor> offsets_;
  std::unique_ptr<ClientProcessor> client_;
  std::unique_ptr<TopicProcessor> topic_;
  std::unique_ptr<AdminProcessor> admin_;
  std::unique_ptr<ScheduleService> schedule_;
  std::unique_ptr<SendBackProcessor> send_back_;
  std::unique_ptr<ConsumerGroupProcessor> consumer_groups_;

  mutable std::mutex identity_mutex_;
  BrokerIdentity identity_;

  std::mutex lifecycle_mutex_;
  bool started_ = false;
  bool stopped_ = false;
  TimerPtr offset_flush_timer_;
  TimerPtr client_scan_timer_;
};

}  // namespace quiver::broker
