// Test plugin quiver-registry-recorder: records its lifecycle; knows no routes.
#include "quiver/plugin_export.h"
#include "quiver/registry.h"
#include "quiver/transport.h"
#include "recorder_support.h"

namespace quiver::testing::recorder {
namespace {

class Server final : public RegistryServer {
 public:
  Server(Recorder recorder, TransportServer* transport)
      : recorder_(std::move(recorder)), transport_(transport) {}
  Status Start() override {
    QUIVER_RETURN_IF_ERROR(recorder_.Start());
    transport_->RegisterHandler(105, [](const ConnectionPtr&, RemotingCommand, Responder) {});
    return Status::Ok();
  }
  void Stop() override { recorder_.Stop(); }

 private:
  Recorder recorder_;
  TransportServer* transport_;
};

class RecordingRegistrar final : public Registrar {
 public:
  explicit RecordingRegistrar(Recorder recorder) : recorder_(std::move(recorder)) {}
  Status Start(const BrokerRegistration& self) override {
    return recorder_.Start(self.identity.cluster + "/" + self.identity.broker_name + "/" +
                           std::to_string(self.identity.broker_id.value()) + " at " +
                           self.identity.address);
  }
  void Publish(const BrokerRegistration&, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Stop() override { recorder_.Stop(); }

 private:
  Recorder recorder_;
};

class RecordingDiscovery final : public Discovery {
 public:
  explicit RecordingDiscovery(Recorder recorder) : recorder_(std::move(recorder)) {}
  Status Start() override { return recorder_.Start(); }
  void Stop() override { recorder_.Stop(); }
  void GetRoute(const std::string& topic, RouteCallback done) override {
    done(NotFoundError("no route for " + topic));
  }
  std::uint64_t Subscribe(const std::string&, RouteListener) override { return 1; }
  void Unsubscribe(std::uint64_t) override {}
  void GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) override {
    done(ClusterInfo{});
  }
  void GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) override {
    done(std::vector<std::string>{});
  }
  Status Health() const override { return Status::Ok(); }

 private:
  Recorder recorder_;
};

class Factory final : public RegistryFactory {
 public:
  StatusOr<std::unique_ptr<RegistryServer>> CreateServer(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    if (context.transport_server == nullptr) {
      return FailedPreconditionError("recorder registry server needs a transport server");
    }
    return std::unique_ptr<RegistryServer>(new Server(
        Recorder(context.logger, "registry server", settings), context.transport_server));
  }
  StatusOr<std::unique_ptr<Registrar>> CreateRegistrar(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    return std::unique_ptr<Registrar>(
        new RecordingRegistrar(Recorder(context.logger, "registrar", settings)));
  }
  StatusOr<std::unique_ptr<Discovery>> CreateDiscovery(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    return std::unique_ptr<Discovery>(
        new RecordingDiscovery(Recorder(context.logger, "discovery", settings)));
  }
};

}  // namespace
}  // namespace quiver::testing::recorder

QUIVER_PLUGIN(quiver::PluginKind::kRegistry, "recorder", "0.0.1",
              quiver::testing::recorder::Factory);
