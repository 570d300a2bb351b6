// The three facets together, in one process, over the SDK's fake transport and a manual
// clock: name servers, a broker's registrar and a client's discovery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nameserver_discovery.h"
#include "nameserver_factory.h"
#include "quiver/protocol/codes.h"
#include "requests.h"
#include "test_support.h"

namespace quiver::registry::nameserver {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
namespace code = protocol::request_code;

constexpr char kNs1[] = "ns1:9876";
constexpr char kNs2[] = "ns2:9876";
constexpr char kAddresses[] = "ns1:9876,ns2:9876";

BrokerRegistration Broker(std::map<std::string, int> topics, std::int64_t counter = 1) {
  BrokerRegistration r;
  r.identity.cluster = "DefaultCluster";
  r.identity.broker_name = "broker-a";
  r.identity.broker_id = BrokerId(0);
  r.identity.address = "10.0.0.1:10911";
  r.identity.ha_address = "10.0.0.1:10912";
  for (const auto& [name, queues] : topics) {
    TopicConfig t;
    t.topic_name = name;
    t.read_queue_nums = queues;
    t.write_queue_nums = queues;
    r.topics[name] = t;
  }
  r.data_version = {0, 1700000000000, counter};
  return r;
}

// Two name servers, one broker node, one client node.
class NameserverRegistryTest : public ::testing::Test {
 protected:
  NameserverRegistryTest()
      : net_(clock_),
        ns1_node_(clock_, executor_, {}),
        ns2_node_(clock_, executor_, {}),
        broker_node_(clock_, executor_, {{"addresses", kAddresses}}),
        client_node_(clock_, executor_, {{"addresses", kAddresses}}) {
    StartNameServer(ns1_node_, ns1_transport_, ns1_, kNs1);
    StartNameServer(ns2_node_, ns2_transport_, ns2_, kNs2);
    broker_transport_ = net_.CreateClient("10.0.0.1:50001");
    broker_node_.context.role = NodeRole::kBroker;
    broker_node_.context.transport_client = broker_transport_.get();
    client_transport_ = net_.CreateClient("10.0.0.9:50002");
    client_node_.context.transport_client = client_transport_.get();
  }

  void StartNameServer(TestNode& node, std::unique_ptr<testing::FakeTransportServer>& transport,
                       std::unique_ptr<RegistryServer>& server, const std::string& address) {
    transport = net_.CreateServer();
    node.context.role = NodeRole::kNameserver;
    node.context.transport_server = transport.get();
    StatusOr<std::unique_ptr<RegistryServer>> created = factory_.CreateServer(node.context);
    ASSERT_TRUE(created.ok()) << created.status();
    server = std::move(created).value();
    ASSERT_TRUE(server->Start().ok());
    ASSERT_TRUE(transport->Start(address).ok());
  }

  // Owned by the fixture: TearDown destroys registrars while the network runs on its own
  // thread, because Stop (from the destructor) waits for UNREGISTER_BROKER answers.
  Registrar* MakeRegistrar(TestNode* node = nullptr) {
    StatusOr<std::unique_ptr<Registrar>> r =
        factory_.CreateRegistrar(node ? node->context : broker_node_.context);
    QUIVER_CHECK_MSG(r.ok(), r.status().ToString());
    registrars_.push_back(std::move(r).value());
    return registrars_.back().get();
  }
  void TearDown() override {
    net_.StartDispatchThread();
    registrars_.clear();
    net_.StopDispatchThread();
  }
  std::unique_ptr<Discovery> MakeDiscovery() {
    StatusOr<std::unique_ptr<Discovery>> d = factory_.CreateDiscovery(client_node_.context);
    QUIVER_CHECK_MSG(d.ok(), d.status().ToString());
    return std::move(d).value();
  }

  void Pump() { nameserver::Pump(net_, executor_); }
  void AdvanceAndPump(Duration d) {
    clock_.Advance(d);
    Pump();
  }

  StatusOr<TopicRouteData> GetRoute(Discovery& discovery, const std::string& topic) {
    std::optional<StatusOr<TopicRouteData>> result;
    discovery.GetRoute(topic, [&](StatusOr<TopicRouteData> r) { result.emplace(std::move(r)); });
    Pump();
    QUIVER_CHECK_MSG(result.has_value(), "GetRoute did not complete");
    return std::move(*result);
  }
  // The route `ns` holds for `topic`, asked directly.
  bool NameServerHasRoute(const std::string& ns, const std::string& topic) {
    auto probe = net_.CreateClient("probe:1");
    RemotingCommand request = RemotingCommand::Request(code::kGetRouteinfoByTopic);
    request.SetExt("topic", topic);
    StatusOr<RemotingCommand> r = probe->InvokeSync(ns, std::move(request), 3s);
    QUIVER_CHECK_MSG(r.ok(), r.status().ToString());
    return r->code == protocol::response_code::kSuccess;
  }

  testing::ManualClock clock_;
  testing::ManualExecutor executor_;
  testing::FakeNetwork net_;
  NameserverRegistryFactory factory_;
  TestNode ns1_node_, ns2_node_, broker_node_, client_node_;
  std::unique_ptr<testing::FakeTransportServer> ns1_transport_, ns2_transport_;
  std::unique_ptr<RegistryServer> ns1_, ns2_;
  std::unique_ptr<testing::FakeTransportClient> broker_transport_, client_transport_;
  std::unique_ptr<testing::FakeTransportClient> slave_transport_;
  std::unique_ptr<TestNode> slave_node_;
  std::vector<std::unique_ptr<Registrar>> registrars_;
};

TEST_F(NameserverRegistryTest, BrokerRegistersWithEveryNameServerAtStart) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  Pump();
  EXPECT_EQ(net_.RequestsReceived(kNs1, code::kRegisterBroker), 1u);
  EXPECT_EQ(net_.RequestsReceived(kNs2, code::kRegisterBroker), 1u);
  EXPECT_TRUE(NameServerHasRoute(kNs1, "T"));
  EXPECT_TRUE(NameServerHasRoute(kNs2, "T"));
}

TEST_F(NameserverRegistryTest, BrokerReRegistersEveryHeartbeatInterval) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  Pump();
  AdvanceAndPump(29s);
  EXPECT_EQ(net_.RequestsReceived(kNs1, code::kRegisterBroker), 1u);
  AdvanceAndPump(1s);
  EXPECT_EQ(net_.RequestsReceived(kNs1, code::kRegisterBroker), 2u);
  EXPECT_EQ(net_.RequestsReceived(kNs2, code::kRegisterBroker), 2u);
  AdvanceAndPump(300s);  // heartbeats keep the broker alive far beyond the expiry
  EXPECT_TRUE(NameServerHasRoute(kNs1, "T"));
}

TEST_F(NameserverRegistryTest, IncompleteIdentityIsRejected) {
  Registrar* registrar = MakeRegistrar();
  BrokerRegistration r = Broker({});
  r.identity.address = "10.0.0.1";
  EXPECT_EQ(registrar->Start(r),
            InvalidArgumentError("broker identity: address: expected \"host:port\" (e.g. "
                                 "\"127.0.0.1:9876\"), found \"10.0.0.1\""));
  r = Broker({});
  r.identity.broker_name = "";
  EXPECT_EQ(registrar->Start(r), InvalidArgumentError("broker identity: broker name is empty"));
}

TEST_F(NameserverRegistryTest, PublishBeforeStartFails) {
  Registrar* registrar = MakeRegistrar();
  std::optional<Status> result;
  registrar->Publish(Broker({{"T", 4}}), [&](Status s) { result = s; });
  Pump();
  EXPECT_EQ(result,
            FailedPreconditionError("registry.nameserver: Publish before Start or after Stop"));
}

TEST_F(NameserverRegistryTest, PublishReportsTheFirstNameServerThatFailed) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  Pump();
  net_.SetDown(kNs2, true);
  Pump();
  std::optional<Status> result;
  registrar->Publish(Broker({{"T", 4}, {"U", 2}}, 2), [&](Status s) { result = s; });
  Pump();
  EXPECT_EQ(result,
            UnavailableError("register with name server ns2:9876: connect to ns2:9876 failed: "
                             "connection refused"));
  EXPECT_TRUE(NameServerHasRoute(kNs1, "U"));
}

TEST_F(NameserverRegistryTest, ClientDiscoversTheRouteOfARegisteredTopic) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  StatusOr<TopicRouteData> route = GetRoute(*discovery, "T");
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_THAT(route->queue_datas, ElementsAre(QueueData{"broker-a", 4, 4, 6, 0}));
  EXPECT_THAT(route->broker_datas,
              ElementsAre(BrokerData{"DefaultCluster", "broker-a", {{0, "10.0.0.1:10911"}}}));
  EXPECT_TRUE(discovery->Health().ok());
}

TEST_F(NameserverRegistryTest, UnknownTopicIsNotFound) {
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  EXPECT_EQ(GetRoute(*discovery, "Nope").status(),
            NotFoundError("route of topic Nope: response code 17 (No topic route info in name "
                          "server for the topic: Nope)"));
}

TEST_F(NameserverRegistryTest, PublishedChangeAppearsInDiscoveryAtTheNextRefresh) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  ASSERT_EQ(GetRoute(*discovery, "T")->queue_datas[0].write_queue_nums, 4);

  std::optional<Status> published;
  registrar->Publish(Broker({{"T", 8}, {"U", 2}}, 2), [&](Status s) { published = s; });
  Pump();
  ASSERT_EQ(published, Status::Ok());
  // Cached until the refresh (RocketMQ clients see changes up to 30 s late).
  EXPECT_EQ(GetRoute(*discovery, "T")->queue_datas[0].write_queue_nums, 4);
  AdvanceAndPump(30s);
  EXPECT_EQ(GetRoute(*discovery, "T")->queue_datas[0].write_queue_nums, 8);
  EXPECT_EQ(GetRoute(*discovery, "U")->queue_datas[0].write_queue_nums, 2);

  std::optional<StatusOr<std::vector<std::string>>> topics;
  discovery->GetTopicList([&](StatusOr<std::vector<std::string>> t) { topics.emplace(t); });
  Pump();
  ASSERT_TRUE(topics.has_value() && topics->ok());
  EXPECT_THAT(**topics, ElementsAre("T", "U"));
}

TEST_F(NameserverRegistryTest, SubscriberIsCalledOnFirstDiscoveryAndOnEveryChangeOnly) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  std::vector<std::int32_t> seen;  // write queue counts notified
  std::uint64_t id =
      discovery->Subscribe("T", [&](const std::string& topic, const TopicRouteData& route) {
        EXPECT_EQ(topic, "T");
        seen.push_back(route.queue_datas.empty() ? 0 : route.queue_datas[0].write_queue_nums);
      });
  Pump();
  EXPECT_THAT(seen, ElementsAre(4));
  AdvanceAndPump(30s);  // unchanged: no call
  EXPECT_THAT(seen, ElementsAre(4));
  registrar->Publish(Broker({{"T", 16}}, 2), nullptr);
  Pump();
  AdvanceAndPump(30s);
  EXPECT_THAT(seen, ElementsAre(4, 16));
  discovery->Unsubscribe(id);
  registrar->Publish(Broker({{"T", 2}}, 3), nullptr);
  AdvanceAndPump(30s);
  EXPECT_THAT(seen, ElementsAre(4, 16));
}

TEST_F(NameserverRegistryTest, SubscriberOfAKnownRouteIsToldItAtOnce) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  ASSERT_TRUE(GetRoute(*discovery, "T").ok());
  int calls = 0;
  discovery->Subscribe("T", [&](const std::string&, const TopicRouteData&) { ++calls; });
  EXPECT_EQ(calls, 0);  // never inside Subscribe
  Pump();
  EXPECT_EQ(calls, 1);
}

TEST_F(NameserverRegistryTest, DiscoveryFailsOverWhenANameServerIsDown) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  // Whichever name server the client picked, each one down in turn must not matter.
  net_.SetDown(kNs1, true);
  EXPECT_TRUE(GetRoute(*discovery, "U").status().code() == StatusCode::kNotFound);
  EXPECT_TRUE(GetRoute(*discovery, "T").ok());
  net_.SetDown(kNs1, false);
  net_.SetDown(kNs2, true);
  AdvanceAndPump(30s);
  EXPECT_TRUE(discovery->Health().ok()) << discovery->Health();
  EXPECT_EQ(GetRoute(*discovery, "U").status().code(), StatusCode::kNotFound);
}

TEST_F(NameserverRegistryTest, DiscoveryFailsOverWhenANameServerTimesOut) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  for (const char* silent : {kNs1, kNs2}) {
    net_.SetDropRequests(kNs1, silent == kNs1);
    net_.SetDropRequests(kNs2, silent == kNs2);
    std::optional<StatusOr<ClusterInfo>> info;
    discovery->GetClusterInfo([&](StatusOr<ClusterInfo> i) { info.emplace(std::move(i)); });
    Pump();
    if (!info.has_value()) AdvanceAndPump(3s);  // the silent one was asked first: time out
    ASSERT_TRUE(info.has_value()) << "silent " << silent;
    ASSERT_TRUE(info->ok()) << info->status();
    EXPECT_EQ((*info)->cluster_addr_table.at("DefaultCluster"),
              std::vector<std::string>{"broker-a"});
  }
  net_.SetDropRequests(kNs2, false);  // lets the registrar unregister quickly at teardown
}

TEST_F(NameserverRegistryTest, HealthIsUnavailableWhileNoNameServerAnswers) {
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  EXPECT_TRUE(discovery->Health().ok());
  net_.SetDown(kNs1, true);
  net_.SetDown(kNs2, true);
  AdvanceAndPump(30s);
  EXPECT_EQ(discovery->Health().code(), StatusCode::kUnavailable);
  EXPECT_THAT(discovery->Health().message(),
              ::testing::StartsWith("registry.nameserver: no name server answered the last "
                                    "route refresh; serving the last known routes: "));
  net_.SetDown(kNs2, false);
  AdvanceAndPump(30s);
  EXPECT_TRUE(discovery->Health().ok());
}

TEST_F(NameserverRegistryTest, StaleRouteIsServedWhileNameServersAreUnreachable) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  ASSERT_TRUE(GetRoute(*discovery, "T").ok());
  net_.SetDown(kNs1, true);
  net_.SetDown(kNs2, true);
  AdvanceAndPump(30s);
  EXPECT_EQ(discovery->Health().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(GetRoute(*discovery, "T").ok());
}

TEST_F(NameserverRegistryTest, SilentBrokerExpiresAfter120sAndSubscribersSeeItGo) {
  // A broker that registered once and then fell silent (a half-open connection).
  auto lone_broker = net_.CreateClient("10.0.0.1:50009");
  for (const char* ns : {kNs1, kNs2}) {
    StatusOr<RemotingCommand> r =
        lone_broker->InvokeSync(ns, MakeRegisterBrokerRequest(Broker({{"T", 4}})), 3s);
    ASSERT_TRUE(r.ok() && r->code == 0);
  }
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  std::vector<std::size_t> groups;
  discovery->Subscribe("T", [&](const std::string&, const TopicRouteData& route) {
    groups.push_back(route.broker_datas.size());
  });
  Pump();
  EXPECT_THAT(groups, ElementsAre(1u));
  AdvanceAndPump(120s);
  EXPECT_THAT(groups, ElementsAre(1u));
  AdvanceAndPump(30s);  // scans at 130 s dropped it; the refresh at 150 s sees it gone
  EXPECT_THAT(groups, ElementsAre(1u, 0u));
  EXPECT_EQ(GetRoute(*discovery, "T").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(discovery->Health().ok());  // the name servers answered: the topic is gone
}

TEST_F(NameserverRegistryTest, ClosedBrokerConnectionDropsItAtOnceUntilTheNextHeartbeat) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  Pump();
  broker_transport_->CloseConnection(kNs1);
  Pump();
  EXPECT_FALSE(NameServerHasRoute(kNs1, "T"));
  EXPECT_TRUE(NameServerHasRoute(kNs2, "T"));
  AdvanceAndPump(30s);
  EXPECT_TRUE(NameServerHasRoute(kNs1, "T"));
}

TEST_F(NameserverRegistryTest, StopUnregistersFromEveryNameServer) {
  Registrar* registrar = MakeRegistrar();
  ASSERT_TRUE(registrar->Start(Broker({{"T", 4}})).ok());
  Pump();
  net_.StartDispatchThread();  // Stop waits for the answers
  registrar->Stop();
  net_.StopDispatchThread();
  EXPECT_EQ(net_.RequestsReceived(kNs1, code::kUnregisterBroker), 1u);
  EXPECT_EQ(net_.RequestsReceived(kNs2, code::kUnregisterBroker), 1u);
  EXPECT_FALSE(NameServerHasRoute(kNs1, "T"));
  EXPECT_FALSE(NameServerHasRoute(kNs2, "T"));
  AdvanceAndPump(60s);  // no heartbeat after Stop
  EXPECT_EQ(net_.RequestsReceived(kNs1, code::kRegisterBroker), 1u);
}

TEST_F(NameserverRegistryTest, SlaveRegistersAndLeavesTheMastersQueuesAlone) {
  Registrar* master = MakeRegistrar();
  ASSERT_TRUE(master->Start(Broker({{"T", 4}})).ok());
  slave_transport_ = net_.CreateClient("10.0.0.2:50003");
  slave_node_ = std::make_unique<TestNode>(
      clock_, executor_, std::map<std::string, std::string>{{"addresses", kAddresses}});
  slave_node_->context.transport_client = slave_transport_.get();
  Registrar* slave = MakeRegistrar(slave_node_.get());
  BrokerRegistration r = Broker({{"T", 8}});
  r.identity.broker_id = BrokerId(1);
  r.identity.address = "10.0.0.2:10911";
  r.identity.role = BrokerRole::kSlave;
  ASSERT_TRUE(slave->Start(r).ok());
  std::unique_ptr<Discovery> discovery = MakeDiscovery();
  ASSERT_TRUE(discovery->Start().ok());
  Pump();
  StatusOr<TopicRouteData> route = GetRoute(*discovery, "T");
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->queue_datas[0].write_queue_nums, 4);
  EXPECT_EQ(route->broker_datas[0].broker_addrs,
            (std::map<std::int64_t, std::string>{{0, "10.0.0.1:10911"}, {1, "10.0.0.2:10911"}}));
}

TEST(NameserverFactoryTest, BrokerAndClientFacetsNeedAddresses) {
  testing::ManualClock clock;
  testing::ManualExecutor executor;
  testing::FakeNetwork net(clock);
  auto client = net.CreateClient("c:1");
  TestNode node(clock, executor, {});
  node.context.transport_client = client.get();
  NameserverRegistryFactory factory;
  Status missing =
      InvalidArgumentError("test.toml: registry.nameserver.addresses: missing required key");
  EXPECT_EQ(factory.CreateRegistrar(node.context).status(), missing);
  EXPECT_EQ(factory.CreateDiscovery(node.context).status(), missing);
}

TEST(NameserverFactoryTest, EveryFacetAcceptsEveryKeySoOneFileCanCarryThemAll) {
  testing::ManualClock clock;
  testing::ManualExecutor executor;
  testing::FakeNetwork net(clock);
  auto client = net.CreateClient("c:1");
  auto server = net.CreateServer();
  std::map<std::string, std::string> all = {{"addresses", "ns:1"},    {"heartbeat_interval", "30s"},
                                            {"scan_interval", "10s"}, {"broker_expiry", "120s"},
                                            {"route_refresh", "30s"}, {"request_timeout", "3s"}};
  NameserverRegistryFactory factory;
  for (int facet = 0; facet < 3; ++facet) {
    TestNode node(clock, executor, all);
    node.context.transport_client = client.get();
    node.context.transport_server = server.get();
    bool ok = facet == 0   ? factory.CreateServer(node.context).ok()
              : facet == 1 ? factory.CreateRegistrar(node.context).ok()
                           : factory.CreateDiscovery(node.context).ok();
    EXPECT_TRUE(ok) << "facet " << facet;
    EXPECT_THAT(node.view->UnreadKeys(), ::testing::IsEmpty()) << "facet " << facet;
  }
}

TEST(NameserverFactoryTest, FacetsNeedTheirTransport) {
  testing::ManualClock clock;
  testing::ManualExecutor executor;
  TestNode node(clock, executor, {{"addresses", "ns:1"}});
  NameserverRegistryFactory factory;
  EXPECT_EQ(factory.CreateRegistrar(node.context).status(),
            FailedPreconditionError(
                "registry.nameserver: the registrar needs the node's transport client"));
  EXPECT_EQ(
      factory.CreateDiscovery(node.context).status(),
      FailedPreconditionError("registry.nameserver: discovery needs the node's transport client"));
}

}  // namespace
}  // namespace quiver::registry::nameserver
