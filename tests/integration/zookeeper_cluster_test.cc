// Scenarios only the `zookeeper` registry has: watch-pushed routes, broker death detected by
// session expiry, re-registration after expiry, the route gateway, an unreachable
// ensemble. Real processes: a ZooKeeper server (java), `quiver start` brokers and gateways.
// The scenarios shared with the name server run from integration_test.cc with
// QUIVER_TEST_REGISTRY=zookeeper (the "/zookeeper" ctest variants).
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cluster_fixture.h"
#include "quiver/protocol/codes.h"
#include "quiver/registry.h"
#include "zookeeper_fixture.h"

namespace quiver::integration {
namespace {

using client::Admin;

class ZookeeperClusterTest : public ClusterTest {
 protected:
  ZookeeperClusterTest() : ClusterTest("zookeeper") {}

  // Brokers of `topic`'s route as this client's (watch-fed) discovery sees it, or -1.
  int RouteBrokers(const std::string& topic) {
    StatusOr<TopicRouteData> route = Admin(Runtime()).GetTopicRoute(topic);
    return route.ok() ? static_cast<int>(route->broker_datas.size()) : -1;
  }
};

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

TEST_F(ZookeeperClusterTest, NewTopicReachesASubscribedClientThroughAWatchBeforeAnyRefresh) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-a"}));
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Clock::time_point> seen;
  Discovery& discovery = Runtime()->discovery();
  const std::uint64_t id =
      discovery.Subscribe("Pushed", [&](const std::string&, const TopicRouteData& route) {
        std::lock_guard lock(mu);
        if (!route.queue_datas.empty() && !seen) seen = Clock::now();
        cv.notify_all();
      });
  const auto before = Clock::now();
  const CommandResult r = Quiver({"admin", "updateTopic", "-n", NamesrvList(), "-c",
                                  "DefaultCluster", "-t", "Pushed", "-r", "4", "-w", "4"});
  const auto acknowledged = Clock::now();
  ASSERT_EQ(r.status, 0) << r.err;
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return seen.has_value(); }));
  // The CLI process's own start-up dominates `before`; the broker acknowledged the topic at
  // some point before `acknowledged`, so the watch latency is at most seen - acknowledged
  // when positive, and at most seen - before in any case.
  std::cout << "[figure] zookeeper: updateTopic -> route pushed to a subscribed client: "
            << Millis(*seen - before) << " ms after the CLI started, "
            << Millis(*seen - acknowledged) << " ms after it returned\n";
  // The name server's clients would wait for route_refresh (30 s by default).
  EXPECT_LT(*seen - before, 10s);
  lock.unlock();
  discovery.Unsubscribe(id);
}

TEST_F(ZookeeperClusterTest, BrokerKilledWithSigkillLeavesRoutesAfterTheSessionTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int a = -1;
  ASSERT_NO_FATAL_FAILURE(a = StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(StartBroker({.name = "broker-b"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Doomed", 2, 2));
  const auto killed = Clock::now();
  Kill(a);
  ASSERT_TRUE(WaitUntil(30s, [&] { return RouteBrokers("Doomed") == 1; }));
  const auto detected = Clock::now() - killed;
  std::cout << "[figure] zookeeper: kill -9 broker -> gone from client routes: " << Millis(detected)
            << " ms (session_timeout " << kZookeeperSessionTimeout << ")\n";
  // Not before the session could expire, and well before a name server's 120 s expiry.
  EXPECT_GT(detected, 2s);
  EXPECT_LT(detected, 15s);
  // The gateway agrees (name-server protocol, what -n clients see).
  const CommandResult route = Quiver({"admin", "topicRoute", "-n", NamesrvList(), "-t", "Doomed"});
  ASSERT_EQ(route.status, 0) << route.err;
  EXPECT_THAT(route.out, ::testing::Not(::testing::HasSubstr("broker-a")));
  EXPECT_THAT(route.out, ::testing::HasSubstr("broker-b"));
}

TEST_F(ZookeeperClusterTest, HungBrokerIsDroppedAtSessionExpiryAndReRegistersWhenItResumes) {
  ASSERT_NO_FATAL_FAILURE(StartNameServer());
  int a = -1;
  ASSERT_NO_FATAL_FAILURE(a = StartBroker({.name = "broker-a"}));
  ASSERT_NO_FATAL_FAILURE(CreateTopic("Paused", 2, 1));
  Pause(a);
  const bool dropped = WaitUntil(30s, [&] { return RouteBrokers("Paused") == -1; });
  Resume(a);
  ASSERT_TRUE(dropped) << "a hung broker's session did not expire";
  // Its session expired while it was stopped: it opens a new one and re-creates its znode.
  const auto resumed = Clock::now();
  ASSERT_TRUE(WaitUntil(30s, [&] { return RouteBrokers("Paused") == 1; }));
  std::cout << "[figure] zookeeper: hung broker resumed -> re-registered (new session): "
            << Millis(Clock::now() - resumed) << " ms\n";
}

TEST_F(ZookeeperClusterTest, GatewayRefusesRegistrationsSayingBrokersRegisterInZooKeeper) {
  int gateway = -1;
  ASSERT_NO_FATAL_FAILURE(gateway = StartNameServer());
  RawConnection raw(Address(gateway));
  ASSERT_TRUE(raw.connected());
  protocol::RemotingCommand c =
      protocol::RemotingCommand::Request(protocol::request_code::kRegisterBroker);
  c.SetExt("brokerName", "rogue");
  StatusOr<protocol::RemotingCommand> reply = raw.Call(std::move(c));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->code, protocol::response_code::kSystemError);
  EXPECT_THAT(reply->remark.value_or(""), ::testing::HasSubstr("brokers register in ZooKeeper"));
}

TEST_F(ZookeeperClusterTest, NodeRefusesToStartWhenTheEnsembleIsUnreachable) {
  const std::filesystem::path config = dir() / "lonely-broker.toml";
  {
    std::ofstream out(config);
    out << "role = \"broker\"\n[broker]\nname = \"lonely\"\nlisten = \"127.0.0.1:" << FreePort()
        << "\"\nstore_dir = \"" << (dir() / "lonely").string() << "\"\n"
        << "[registry]\nplugin = \"zookeeper\"\n[registry.zookeeper]\nensemble = \"127.0.0.1:"
        << FreePort() << "\"\nsession_timeout = \"2s\"\n";
  }
  const CommandResult check = Quiver({"check", "-c", config.string()});
  EXPECT_EQ(check.status, 0) << check.err;
  const CommandResult start = Quiver({"start", "-c", config.string()}, 30s);
  // DESIGN §8: exit status 1, a node failed.
  EXPECT_EQ(start.status, 1) << start.err;
  EXPECT_THAT(start.out + start.err, ::testing::HasSubstr("is ZooKeeper running at 127.0.0.1:"));
}

}  // namespace
}  // namespace quiver::integration
