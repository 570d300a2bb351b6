// The three facets over the real tcp transport on loopback: a name server, a broker's
// registrar and a client's discovery in one process, each with its own transport.
// Timers (heartbeat, scan, refresh) run on a manual clock that this test never advances:
// everything here is driven by the requests themselves.
#include <condition_variable>
#include <future>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nameserver_factory.h"
#include "quiver/protocol/codes.h"
#include "test_support.h"
#include "transport_factory.h"

namespace quiver::registry::nameserver {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

constexpr auto kWait = 10s;  // generous deadline for loopback round trips

struct TcpNode {
  TcpNode(testing::ManualClock& clock, testing::ManualExecutor& executor,
          std::map<std::string, std::string> registry_config)
      : node(clock, executor, std::move(registry_config)) {
    transport_context.config = std::make_shared<testing::MapConfigView>("transport.tcp");
    transport_context.clock = &clock;
    transport_context.executor = &executor;
  }
  TestNode node;
  PluginContext transport_context;
};

TEST(NameserverTcpLoopbackTest, BrokerRegistersAndClientDiscoversOverRealTcp) {
  testing::ManualClock clock;
  testing::ManualExecutor executor;
  transport::tcp::TcpTransportFactory tcp;
  NameserverRegistryFactory registry;

  // Name server.
  TcpNode ns(clock, executor, {});
  StatusOr<std::unique_ptr<TransportServer>> ns_transport = tcp.CreateServer(ns.transport_context);
  ASSERT_TRUE(ns_transport.ok()) << ns_transport.status();
  ns.node.context.role = NodeRole::kNameserver;
  ns.node.context.transport_server = ns_transport->get();
  StatusOr<std::unique_ptr<RegistryServer>> server = registry.CreateServer(ns.node.context);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->Start().ok());
  std::mutex mu;
  std::condition_variable cv;
  int closed = 0;
  (*ns_transport)->AddCloseListener([&](const ConnectionPtr&) {
    std::lock_guard lock(mu);
    ++closed;
    cv.notify_all();
  });
  ASSERT_TRUE((*ns_transport)->Start("127.0.0.1:0").ok());
  const std::string ns_address = (*ns_transport)->LocalAddress();

  // Broker.
  TcpNode broker(clock, executor, {{"addresses", ns_address}});
  StatusOr<std::unique_ptr<TransportClient>> broker_transport =
      tcp.CreateClient(broker.transport_context);
  ASSERT_TRUE(broker_transport.ok()) << broker_transport.status();
  broker.node.context.role = NodeRole::kBroker;
  broker.node.context.transport_client = broker_transport->get();
  StatusOr<std::unique_ptr<Registrar>> registrar = registry.CreateRegistrar(broker.node.context);
  ASSERT_TRUE(registrar.ok()) << registrar.status();
  BrokerRegistration self;
  self.identity.broker_name = "broker-a";
  self.identity.address = "127.0.0.1:10911";
  TopicConfig topic;
  topic.topic_name = "T";
  self.topics["T"] = topic;
  self.data_version = {0, 1700000000000, 1};
  ASSERT_TRUE((*registrar)->Start(self).ok());
  std::promise<Status> published;
  self.topics["U"] = TopicConfig{"U", 2, 2, perm::kReadWrite, "SINGLE_TAG", 0, false};
  self.data_version.counter = 2;
  (*registrar)->Publish(self, [&](Status s) { published.set_value(s); });
  std::future<Status> published_future = published.get_future();
  ASSERT_EQ(published_future.wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(published_future.get().ok());

  // Client.
  TcpNode client(clock, executor, {{"addresses", ns_address}});
  StatusOr<std::unique_ptr<TransportClient>> client_transport =
      tcp.CreateClient(client.transport_context);
  ASSERT_TRUE(client_transport.ok()) << client_transport.status();
  client.node.context.transport_client = client_transport->get();
  StatusOr<std::unique_ptr<Discovery>> discovery = registry.CreateDiscovery(client.node.context);
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  ASSERT_TRUE((*discovery)->Start().ok());
  std::promise<StatusOr<TopicRouteData>> route;
  (*discovery)->GetRoute("U", [&](StatusOr<TopicRouteData> r) { route.set_value(std::move(r)); });
  std::future<StatusOr<TopicRouteData>> route_future = route.get_future();
  ASSERT_EQ(route_future.wait_for(kWait), std::future_status::ready);
  StatusOr<TopicRouteData> got = route_future.get();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(got->queue_datas, ElementsAre(QueueData{"broker-a", 2, 2, 6, 0}));
  EXPECT_THAT(got->broker_datas,
              ElementsAre(BrokerData{"DefaultCluster", "broker-a", {{0, "127.0.0.1:10911"}}}));

  // The broker's connection closes: the name server forgets it at once.
  (*broker_transport)->CloseConnection(ns_address);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return closed >= 1; }));
  }
  RemotingCommand ask = RemotingCommand::Request(protocol::request_code::kGetRouteinfoByTopic);
  ask.SetExt("topic", "U");
  StatusOr<RemotingCommand> answer = (*client_transport)->InvokeSync(ns_address, ask, kWait);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->code, protocol::response_code::kTopicNotExist);
  EXPECT_EQ(answer->remark, "No topic route info in name server for the topic: U");

  (*discovery)->Stop();
  (*registrar)->Stop();  // unregisters over a fresh connection, bounded by request_timeout
  (*client_transport)->Stop();
  (*broker_transport)->Stop();
  (*server)->Stop();
  (*ns_transport)->Stop();
}

}  // namespace
}  // namespace quiver::registry::nameserver
