// Test plugin quiver-replication-recorder: records its lifecycle; replicates nothing.
#include "quiver/plugin_export.h"
#include "quiver/replication.h"
#include "recorder_support.h"

namespace quiver::testing::recorder {
namespace {

class RecordingReplicator final : public Replicator {
 public:
  explicit RecordingReplicator(Recorder recorder) : recorder_(std::move(recorder)) {}
  Status Start() override { return recorder_.Start(); }
  void Stop() override { recorder_.Stop(); }
  void Append(MessageBatch, ReplicatedAppendCallback done) override {
    done(UnavailableError("recorder replicator replicates nothing"));
  }
  ReplicaRole Role() const override { return ReplicaRole::kMaster; }
  std::string MasterAddress() const override { return ""; }
  CommitLogOffset ReadableLimit() const override { return CommitLogOffset{0}; }
  void SetRoleListener(std::function<void(const RoleChange&)>) override {}
  std::vector<ReplicaStatus> Replicas() const override { return {}; }

 private:
  Recorder recorder_;
};

class Factory final : public ReplicationFactory {
 public:
  StatusOr<std::unique_ptr<Replicator>> CreateReplicator(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    if (context.store == nullptr || context.transport_server == nullptr ||
        context.transport_client == nullptr || context.broker == nullptr) {
      return FailedPreconditionError("recorder replicator needs store, transport and broker");
    }
    return std::unique_ptr<Replicator>(
        new RecordingReplicator(Recorder(context.logger, "replicator", settings)));
  }
};

}  // namespace
}  // namespace quiver::testing::recorder

QUIVER_PLUGIN(quiver::PluginKind::kReplication, "recorder", "0.0.1",
              quiver::testing::recorder::Factory);
