#include "kernel/roles/broker/processing/broker_metadata_tables.h"

namespace quiver::broker {

namespace {

Status Corrupt(const std::filesystem::path& path, const Status& cause) {
  return DataLossError("corrupt broker metadata file " + path.string() + ": " + cause.message() +
                       "; repair or remove it");
}

}  // namespace

BrokerMetadataTables::BrokerMetadataTables(const BrokerSettings& settings, Clock& clock,
                                           Duration topics_persist_interval)
    : settings_(settings),
      clock_(clock),
      topics_persist_interval_(topics_persist_interval),
      files_(settings.store_dir),
      topics_(clock),
      groups_(clock) {}

BrokerMetadataTables::~BrokerMetadataTables() { (void)Stop(); }

Status BrokerMetadataTables::Load() {
  std::lock_guard<std::mutex> lock(load_mutex_);
  if (loaded_) return load_status_;
  loaded_ = true;
  load_status_ = [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(auto topics_json, files_.Load(kTopicsFile));
    if (topics_json) {
      Status s = topics_.LoadJson(*topics_json);
      if (!s.ok()) return Corrupt(files_.PathOf(kTopicsFile), s);
    }
    QUIVER_ASSIGN_OR_RETURN(auto offsets_json, files_.Load(kConsumerOffsetFile));
    if (offsets_json) {
      Status s = offsets_.LoadJson(*offsets_json);
      if (!s.ok()) return Corrupt(files_.PathOf(kConsumerOffsetFile), s);
    }
    QUIVER_ASSIGN_OR_RETURN(auto delay_json, files_.Load(kDelayOffsetFile));
    if (delay_json) {
      Status s = delay_offsets_.LoadJson(*delay_json);
      if (!s.ok()) return Corrupt(files_.PathOf(kDelayOffsetFile), s);
    }
    QUIVER_ASSIGN_OR_RETURN(auto groups_json, files_.Load(kSubscriptionGroupFile));
    if (groups_json) {
      Status s = groups_.LoadJson(*groups_json);
      if (!s.ok()) return Corrupt(files_.PathOf(kSubscriptionGroupFile), s);
    }
    {
      std::lock_guard<std::mutex> file_lock(topics_file_mutex_);
      persisted_topics_changes_ = topics_.change_count();
    }
    {
      std::lock_guard<std::mutex> file_lock(delay_file_mutex_);
      persisted_delay_version_ = delay_offsets_.version();
    }
    {
      std::lock_guard<std::mutex> file_lock(offsets_file_mutex_);
      persisted_offsets_version_ = offsets_.version();
    }
    if (settings_.auto_create_topic) {
      TopicConfig tbw;
      tbw.topic_name = std::string(kAutoCreateTopicKey);
      tbw.read_queue_nums = settings_.default_queues;
      tbw.write_queue_nums = settings_.default_queues;
      tbw.perm = perm::kInherit | perm::kReadWrite;
      if (topics_.CreateIfAbsent(tbw).second) {
        QUIVER_RETURN_IF_ERROR(PersistTopics(TopicsWrite::kNow));
      }
    }
    std::lock_guard<std::mutex> timer_lock(timer_mutex_);
    if (!stopped_) {
      topics_timer_ = clock_.RunEvery(topics_persist_interval_, [this] {
        // A failure stays in last_topics_write_ for the next PersistTopics caller to
        // report; the table stays pending, so the next tick retries.
        (void)WriteTopicsIfChanged();
      });
    }
    return Status::Ok();
  }();
  return load_status_;
}

Status BrokerMetadataTables::Stop() {
  {
    std::lock_guard<std::mutex> lock(timer_mutex_);
    stopped_ = true;
    topics_timer_.reset();  // waits for a tick in progress
  }
  {
    // A table that never loaded must not replace the file it failed to read.
    std::lock_guard<std::mutex> lock(load_mutex_);
    if (!loaded_ || !load_status_.ok()) return Status::Ok();
  }
  return WriteTopicsIfChanged();
}

Status BrokerMetadataTables::PersistTopics(TopicsWrite when) {
  if (when == TopicsWrite::kNow) return WriteTopicsIfChanged();
  std::lock_guard<std::mutex> lock(topics_status_mutex_);
  return last_topics_write_;
}

std::uint64_t BrokerMetadataTables::topics_writes() const {
  std::lock_guard<std::mutex> lock(topics_status_mutex_);
  return topics_writes_;
}

Status BrokerMetadataTables::WriteTopicsIfChanged() {
  std::lock_guard<std::mutex> lock(topics_file_mutex_);
  // Read the count before exporting: a change racing with the export is then written
  // again by the next call rather than marked written.
  std::uint64_t changes = topics_.change_count();
  if (changes == persisted_topics_changes_) return Status::Ok();
  Status saved = files_.Save(kTopicsFile, topics_.ExportJson());
  if (saved.ok()) persisted_topics_changes_ = changes;
  std::lock_guard<std::mutex> status_lock(topics_status_mutex_);
  last_topics_write_ = saved;
  if (saved.ok()) ++topics_writes_;
  return saved;
}

Status BrokerMetadataTables::PersistConsumerOffsets(Force force) {
  std::lock_guard<std::mutex> lock(offsets_file_mutex_);
  std::uint64_t version = offsets_.version();
  if (force == Force::kNo && version == persisted_offsets_version_) return Status::Ok();
  QUIVER_RETURN_IF_ERROR(files_.Save(kConsumerOffsetFile, offsets_.ExportJson()));
  persisted_offsets_version_ = version;
  return Status::Ok();
}

Status BrokerMetadataTables::PersistDelayOffsets(Force force) {
  std::lock_guard<std::mutex> lock(delay_file_mutex_);
  std::uint64_t version = delay_offsets_.version();
  if (force == Force::kNo && version == persisted_delay_version_) return Status::Ok();
  QUIVER_RETURN_IF_ERROR(files_.Save(kDelayOffsetFile, delay_offsets_.ExportJson()));
  persisted_delay_version_ = version;
  return Status::Ok();
}

Status BrokerMetadataTables::PersistSubscriptionGroups() {
  std::lock_guard<std::mutex> lock(groups_file_mutex_);
  return files_.Save(kSubscriptionGroupFile, groups_.ExportJson());
}

void BrokerMetadataTables::SetTopicsImportedListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  topics_imported_ = std::move(listener);
}

std::string BrokerMetadataTables::Export(MetadataKind kind) const {
  switch (kind) {
    case MetadataKind::kTopicConfigs:
      return topics_.ExportJson();
    case MetadataKind::kConsumerOffsets:
      return offsets_.ExportJson();
    case MetadataKind::kDelayOffsets:
      return delay_offsets_.ExportJson();
  }
  return "{}";
}

Status BrokerMetadataTables::Import(MetadataKind kind, std::string_view json) {
  switch (kind) {
    case MetadataKind::kTopicConfigs: {
      QUIVER_RETURN_IF_ERROR(topics_.LoadJson(json).WithContext("topic configs"));
      QUIVER_RETURN_IF_ERROR(PersistTopics(TopicsWrite::kNow));
      std::function<void()> listener;
      {
        std::lock_guard<std::mutex> lock(listener_mutex_);
        listener = topics_imported_;
      }
      if (listener) listener();
      return Status::Ok();
    }
    case MetadataKind::kConsumerOffsets:
      QUIVER_RETURN_IF_ERROR(offsets_.LoadJson(json).WithContext("consumer offsets"));
      return PersistConsumerOffsets(Force::kYes);
    case MetadataKind::kDelayOffsets:
      QUIVER_RETURN_IF_ERROR(delay_offsets_.LoadJson(json).WithContext("delay offsets"));
      return PersistDelayOffsets();
  }
  return InvalidArgumentError("unknown metadata kind");
}

}  // namespace quiver::broker
