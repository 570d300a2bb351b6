#include "kernel/roles/broker/processing/broker_processing.h"

#include <chrono>

#include <spdlog/logger.h>

#include "kernel/roles/broker/processing/admin_processor.h"
#include "kernel/roles/broker/processing/client_processor.h"
#include "kernel/roles/broker/processing/consumer_group_processor.h"
#include "kernel/roles/broker/processing/schedule_service.h"
#include "kernel/roles/broker/processing/send_back_processor.h"
#include "kernel/roles/broker/processing/offset_processor.h"
#include "kernel/roles/broker/processing/pull_processor.h"
#include "kernel/roles/broker/processing/send_processor.h"
#include "kernel/roles/broker/processing/topic_processor.h"
#include "quiver/protocol/message_id.h"

namespace quiver::broker {

BrokerProcessing::BrokerProcessing(BrokerSettings settings, Deps deps)
    : settings_(std::move(settings)),
      transport_(deps.transport),
      store_(deps.store),
      replicator_(deps.replicator),
      metadata_(deps.metadata),
      clock_(deps.clock),
      executor_(deps.executor),
      logger_(std::move(deps.logger)),
      publish_(std::move(deps.publish)),
      clients_(clock_, logger_),
      holds_(store_, clock_, executor_, tasks_),
      context_{settings_, HostAddress{}, store_,  replicator_,
               metadata_, clients_,      stats_,  tasks_,
               clock_,    executor_,     logger_, [this] { return TopicsChanged(); }} {
  identity_.cluster = settings_.cluster;
  identity_.broker_name = settings_.name;
  identity_.broker_id = settings_.id;
  identity_.address = settings_.advertise;
  identity_.ha_address = settings_.ha_address;
  identity_.role = settings_.role;
}

BrokerProcessing::~BrokerProcessing() { Stop(); }

Status BrokerProcessing::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (started_) return FailedPreconditionError("BrokerProcessing::Start called twice");
  auto store_host = protocol::ParseHostAddress(settings_.advertise);
  if (!store_host.ok()) {
    return InvalidArgumentError("[broker] advertise: " + store_host.status().message());
  }
  context_.store_host = *store_host;
  QUIVER_RETURN_IF_ERROR(metadata_.Load());

  send_ = std::make_unique<SendProcessor>(context_);
  pull_ = std::make_unique<PullProcessor>(context_, holds_);
  offsets_ = std::make_unique<OffsetProcessor>(context_);
  client_ = std::make_unique<ClientProcessor>(context_);
  topic_ = std::make_unique<TopicProcessor>(context_);
  admin_ = std::make_unique<AdminProcessor>(context_, clock_.Now());
  schedule_ = std::make_unique<ScheduleService>(context_);
  send_back_ = std::make_unique<SendBackProcessor>(context_);
  consumer_groups_ = std::make_unique<ConsumerGroupProcessor>(context_);
  send_->Register(transport_);
  pull_->Register(transport_);
  offsets_->Register(transport_);
  client_->Register(transport_);
  topic_->Register(transport_);
  admin_->Register(transport_);
  send_back_->Register(transport_);
  consumer_groups_->Register(transport_);

  store_.SetDispatchListener(
      [this](const std::string& topic, QueueId queue_id, QueueOffset max_offset) {
        holds_.Notify(topic, queue_id, max_offset);
        if (topic == kScheduleTopic) schedule_->OnDispatch(queue_id);
      });
  QUIVER_RETURN_IF_ERROR(schedule_->Start());
  metadata_.SetTopicsImportedListener([this] { Publish(); });
  offset_flush_timer_ =
      clock_.RunEvery(settings_.offset_flush_interval, [this] { FlushConsumerOffsets(); });
  client_scan_timer_ = clock_.RunEvery(settings_.client_scan_interval,
                                       [this] { clients_.ExpireIdle(settings_.client_expiry); });
  started_ = true;
  if (logger_) {
    logger_->info("broker {} (id {}) processing started; store host {}", settings_.name,
                  settings_.id.value(), settings_.advertise);
  }
  return Status::Ok();
}

void BrokerProcessing::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  offset_flush_timer_.reset();
  client_scan_timer_.reset();
  if (schedule_) schedule_->Stop();
  // The store may outlive us and keep dispatching: leave it a listener that does nothing.
  store_.SetDispatchListener([](const std::string&, QueueId, QueueOffset) {});
  metadata_.SetTopicsImportedListener({});
  holds_.Stop();
  Status s = metadata_.PersistConsumerOffsets(BrokerMetadataTables::Force::kYes);
  if (!s.ok() && logger_) logger_->error("writing consumer offsets on stop: {}", s.ToString());
  if (!tasks_.WaitIdle(std::chrono::seconds(10)) && logger_) {
    logger_->warn("{} request completions still in flight after 10 s", tasks_.InFlight());
  }
  // After the wait: a delivery that completed during it has moved its level's offset.
  s = metadata_.PersistDelayOffsets(BrokerMetadataTables::Force::kYes);
  if (!s.ok() && logger_) logger_->error("writing delay offsets on stop: {}", s.ToString());
}

std::int64_t BrokerProcessing::DelayedDelivered() const {
  return schedule_ ? schedule_->Delivered() : 0;
}

BrokerRegistration BrokerProcessing::CurrentRegistration() const {
  BrokerRegistration registration;
  {
    std::lock_guard<std::mutex> lock(identity_mutex_);
    registration.identity = identity_;
  }
  registration.topics = metadata_.topics().Snapshot();
  registration.data_version = metadata_.topics().data_version();
  registration.max_physical_offset = store_.Stats().max_physical_offset.value();
  return registration;
}

void BrokerProcessing::OnRoleChange(const RoleChange& change) {
  {
    std::lock_guard<std::mutex> lock(identity_mutex_);
    identity_.broker_id = change.broker_id;
    if (!change.ha_address.empty()) identity_.ha_address = change.ha_address;
    if (change.role == ReplicaRole::kMaster) {
      // A master-slave master names its role (SYNC_MASTER); others register ASYNC_MASTER.
      identity_.role = change.broker_role != BrokerRole::kSlave ? change.broker_role
                                                                : BrokerRole::kAsyncMaster;
    } else {
      identity_.role = BrokerRole::kSlave;
    }
  }
  if (logger_) {
    logger_->info("role change: registering as broker id {}", change.broker_id.value());
  }
  Publish();
}

Status BrokerProcessing::TopicsChanged() {
  Status s = metadata_.PersistTopics();
  Publish();
  return s;
}

void BrokerProcessing::Publish() {
  if (publish_) publish_(CurrentRegistration());
}

void BrokerProcessing::FlushConsumerOffsets() {
  Status s = metadata_.PersistConsumerOffsets();
  if (!s.ok() && logger_) logger_->error("writing consumer offsets: {}", s.ToString());
}

}  // namespace quiver::broker
