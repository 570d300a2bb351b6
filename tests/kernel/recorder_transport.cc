// Test plugin quiver-transport-recorder: records its lifecycle; never moves bytes.
#include "quiver/plugin_export.h"
#include "quiver/transport.h"
#include "recorder_support.h"

namespace quiver::testing::recorder {
namespace {

class Server final : public TransportServer {
 public:
  explicit Server(Recorder recorder) : recorder_(std::move(recorder)) {}
  void RegisterHandler(std::int32_t code, RequestHandler) override {
    recorder_.Record("handler " + std::to_string(code));
  }
  void AddCloseListener(ConnectionListener) override {}
  Status Start(const std::string& listen) override {
    listen_ = listen;
    return recorder_.Start(listen);
  }
  std::string LocalAddress() const override { return listen_; }
  void Stop() override { recorder_.Stop(); }

 private:
  Recorder recorder_;
  std::string listen_;
};

class Client final : public TransportClient {
 public:
  explicit Client(Recorder recorder) : recorder_(std::move(recorder)) {}
  void InvokeAsync(const std::string& address, RemotingCommand, Duration,
                   ResponseCallback done) override {
    done(UnavailableError("recorder transport cannot reach " + address));
  }
  StatusOr<RemotingCommand> InvokeSync(const std::string& address, RemotingCommand,
                                       Duration) override {
    return UnavailableError("recorder transport cannot reach " + address);
  }
  Status InvokeOneway(const std::string& address, RemotingCommand) override {
    return UnavailableError("recorder transport cannot reach " + address);
  }
  void RegisterHandler(std::int32_t, RequestHandler) override {}
  void CloseConnection(const std::string&) override {}
  void Stop() override { recorder_.Stop(); }

 private:
  Recorder recorder_;
};

class Factory final : public TransportFactory {
 public:
  StatusOr<std::unique_ptr<TransportServer>> CreateServer(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    return std::unique_ptr<TransportServer>(
        new Server(Recorder(context.logger, "transport server", settings)));
  }
  StatusOr<std::unique_ptr<TransportClient>> CreateClient(PluginContext& context) override {
    QUIVER_ASSIGN_OR_RETURN(Settings settings, ReadSettings(context));
    return std::unique_ptr<TransportClient>(
        new Client(Recorder(context.logger, "transport client", settings)));
  }
};

}  // namespace
}  // namespace quiver::testing::recorder

QUIVER_PLUGIN(quiver::PluginKind::kTransport, "recorder", "0.0.1",
              quiver::testing::recorder::Factory);
