// Test plugin quiver-storage-recorder: records its lifecycle; stores nothing.
#include "quiver/plugin_export.h"
#include "quiver/storage.h"
#include "recorder_support.h"

namespace quiver::testing::recorder {
namespace {

class Store final : public MessageStore {
 public:
  Store(Recorder recorder, std::string data_dir)
      : recorder_(std::move(recorder)), data_dir_(std::move(data_dir)) {}
  Status Open() override { return recorder_.Start("in " + data_dir_); }
  void Close() override { recorder_.Stop(); }
  void SetDispatchListener(DispatchListener) override {}
  void Append(MessageBatch, AppendCallback done) override {
    done(UnavailableError("recorder store stores nothing"));
  }
  StatusOr<ReadResult> Read(const ReadRequest&) const override { return ReadResult{}; }
  QueueOffset MinOffset(const std::string&, QueueId) const override { return QueueOffset{0}; }
  QueueOffset MaxOffset(const std::string&, QueueId) const override { return QueueOffset{0}; }
  QueueOffset OffsetByTimestamp(const std::string&, QueueId, std::int64_t) const override {
    return QueueOffset{0};
  }
  StatusOr<std::int64_t> StoreTimestamp(const std::string&, QueueId, QueueOffset) const override {
    return NotFoundError("empty");
  }
  StatusOr<Buffer> ReadRecord(CommitLogOffset) const override { return NotFoundError("empty"); }
  StatusOr<BufferList> ReadRaw(CommitLogOffset, std::int64_t) const override {
    return BufferList{};
  }
  void AppendRaw(CommitLogOffset, BufferList, std::function<void(Status)> done) override {
    done(UnavailableError("recorder store stores nothing"));
  }
  Status Truncate(CommitLogOffset) override { return Status::Ok(); }
  void Flush(std::function<void(Status)> done) override { done(Status::Ok()); }
  StoreStats Stats() const override { return StoreStats{}; }

 private:
  Recorder recorder_;
  std::string data_dir_;
};

class Factory final : public StorageFactory {
 public:
  StatusOr<std::unique_ptr<MessageStore>> CreateStore(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    return std::unique_ptr<MessageStore>(
        new Store(Recorder(context.logger, "store", settings), context.data_dir));
  }
};

}  // namespace
}  // namespace quiver::testing::recorder

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "recorder", "0.0.1",
              quiver::testing::recorder::Factory);
