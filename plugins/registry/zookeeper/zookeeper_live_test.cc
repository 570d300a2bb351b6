// The `zookeeper` registry facets in-process against real ZooKeeper servers (standalone and
// a 3-node ensemble, started and stopped by PID through tests/support). Label integration.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "quiver/testing/manual_clock.h"
#include "quiver/testing/map_config_view.h"
#include "zk_session.h"
#include "znode_codec.h"
#include "zookeeper_discovery.h"
#include "zookeeper_fixture.h"
#include "zookeeper_registrar.h"

namespace quiver::registry::zookeeper {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Runs posted work on one thread, in order.
class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor() : thread_([this] { Loop(); }) {}
  ~ThreadExecutor() override {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(fn));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return done_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool done_ = false;
  std::thread thread_;
};

// Re-checks `condition` until it holds or `deadline` passes (another process: no event).
bool WaitUntil(std::chrono::milliseconds deadline, const std::function<bool()>& condition) {
  const auto end = SteadyClock::now() + deadline;
  while (!condition()) {
    if (SteadyClock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

BrokerRegistration Broker(const std::string& name, const std::string& address,
                          std::vector<std::string> topics) {
  BrokerRegistration r;
  r.identity.cluster = "DefaultCluster";
  r.identity.broker_name = name;
  r.identity.address = address;
  for (const std::string& t : topics) {
    TopicConfig c;
    c.topic_name = t;
    r.topics[t] = c;
  }
  return r;
}

class ZookeeperLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status available = testing::ZooKeeperServers::Available();
    ASSERT_TRUE(available.ok()) << available;
    std::string pattern = (fs::temp_directory_path() / "quiver-zk-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    logger_ = std::make_shared<spdlog::logger>("registry.zookeeper",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  void TearDown() override {
    contexts_.clear();
    servers_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void StartServers(int count) {
    StatusOr<std::unique_ptr<testing::ZooKeeperServers>> servers =
        testing::ZooKeeperServers::Start(dir_, count);
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = std::move(*servers);
  }

  ZookeeperConfig Config(const std::string& ensemble, Duration timeout = 4s) {
    ZookeeperConfig c;
    c.ensemble = ensemble;
    c.session_timeout = timeout;
    c.root = "/quiver-test";
    return c;
  }

  PluginContext& Context() {
    auto c = std::make_unique<PluginContext>();
    c->logger = logger_;
    c->executor = &executor_;
    c->clock = &clock_;
    contexts_.push_back(std::move(c));
    return *contexts_.back();
  }

  // The route of `topic` as discovery answers it now.
  StatusOr<TopicRouteData> Route(Discovery& discovery, const std::string& topic) {
    std::promise<StatusOr<TopicRouteData>> p;
    discovery.GetRoute(topic, [&](StatusOr<TopicRouteData> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  bool HasRoute(Discovery& discovery, const std::string& topic) {
    return Route(discovery, topic).ok();
  }

  fs::path dir_;
  std::shared_ptr<spdlog::logger> logger_;
  ThreadExecutor executor_;
  testing::ManualClock clock_;
  std::vector<std::unique_ptr<PluginContext>> contexts_;
  std::unique_ptr<testing::ZooKeeperServers> servers_;
};

TEST_F(ZookeeperLiveTest, UnreachableEnsembleFailsStartNamingItAndTheTimeout) {
  ZookeeperDiscovery discovery(Context(), Config("127.0.0.1:1", 1s));
  Status status = discovery.Start();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(),
              ::testing::HasSubstr("no session with ensemble \"127.0.0.1:1\" within 1000 ms "
                                   "(session_timeout); is ZooKeeper running at 127.0.0.1:1?"));
  ZookeeperRegistrar registrar(Context(), Config("127.0.0.1:1", 1s));
  EXPECT_EQ(registrar.Start(Broker("b", "127.0.0.1:10911", {"T"})).code(),
            StatusCode::kUnavailable);
}

TEST_F(ZookeeperLiveTest, NewTopicReachesASubscriberThroughAWatchInMilliseconds) {
  ASSERT_NO_FATAL_FAILURE(StartServers(1));
  ZookeeperRegistrar registrar(Context(), Config(servers_->ConnectString()));
  BrokerRegistration self = Broker("broker-a", "127.0.0.1:10911", {"Old"});
  ASSERT_TRUE(registrar.Start(self).ok());
  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  ASSERT_TRUE(HasRoute(discovery, "Old"));
  EXPECT_EQ(Route(discovery, "New").status().code(), StatusCode::kNotFound);

  std::mutex mu;
  std::condition_variable cv;
  std::optional<TopicRouteData> seen;
  discovery.Subscribe("New", [&](const std::string&, const TopicRouteData& route) {
    std::lock_guard lock(mu);
    if (!route.queue_datas.empty()) seen = route;
    cv.notify_all();
  });
  const auto published = SteadyClock::now();
  self.topics["New"] =
      TopicConfig{.topic_name = "New", .read_queue_nums = 8, .write_queue_nums = 8};
  std::promise<Status> done;
  registrar.Publish(self, [&](Status s) { done.set_value(s); });
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return seen.has_value(); }));
  const auto latency = SteadyClock::now() - published;
  lock.unlock();
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(seen->queue_datas.at(0).write_queue_nums, 8);
  EXPECT_EQ(seen->broker_datas.at(0).broker_addrs.at(0), "127.0.0.1:10911");
  std::cout << "[figure] route propagation through a watch (Publish -> listener): "
            << std::chrono::duration<double, std::milli>(latency).count() << " ms\n";
  // Far below any pull interval (the name server's route_refresh is 30 s by default).
  EXPECT_LT(latency, 2s);
}

TEST_F(ZookeeperLiveTest, CleanStopRemovesTheBrokerAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServers(1));
  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  auto registrar =
      std::make_unique<ZookeeperRegistrar>(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(registrar->Start(Broker("broker-a", "127.0.0.1:10911", {"T"})).ok());
  ASSERT_TRUE(WaitUntil(5s, [&] { return HasRoute(discovery, "T"); }));
  const auto stopped = SteadyClock::now();
  registrar->Stop();
  ASSERT_TRUE(WaitUntil(5s, [&] { return !HasRoute(discovery, "T"); }));
  std::cout << "[figure] clean Stop -> route gone: "
            << std::chrono::duration<double, std::milli>(SteadyClock::now() - stopped).count()
            << " ms\n";
}

TEST_F(ZookeeperLiveTest, MalformedBrokerZnodeIsSkippedAndOthersStillServe) {
  ASSERT_NO_FATAL_FAILURE(StartServers(1));
  ZookeeperRegistrar registrar(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(registrar.Start(Broker("broker-a", "127.0.0.1:10911", {"T"})).ok());
  // Someone else writes garbage where a broker would be.
  auto raw = ZkSession::Make(Context(), Config(servers_->ConnectString()), "test", {});
  ASSERT_TRUE(raw->Start().ok());
  std::promise<int> created;
  raw->Create("/quiver-test/DefaultCluster/brokers/broker-x", "", ZOO_PERSISTENT, [](int) {});
  raw->Create("/quiver-test/DefaultCluster/brokers/broker-x/0", "{not json", ZOO_EPHEMERAL,
              [&](int rc) { created.set_value(rc); });
  ASSERT_EQ(created.get_future().get(), ZOK);

  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  StatusOr<TopicRouteData> route = Route(discovery, "T");
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->broker_datas.size(), 1u);
  std::promise<StatusOr<ClusterInfo>> info;
  discovery.GetClusterInfo([&](StatusOr<ClusterInfo> i) { info.set_value(std::move(i)); });
  StatusOr<ClusterInfo> cluster = info.get_future().get();
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ(cluster->broker_addr_table.count("broker-x"), 0u);
  raw->Stop();
}

TEST_F(ZookeeperLiveTest, StaleZnodeOfAnEarlierProcessIsReplaced) {
  ASSERT_NO_FATAL_FAILURE(StartServers(1));
  // An earlier process of the same broker, still holding its session.
  ZookeeperRegistrar earlier(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(earlier.Start(Broker("broker-a", "127.0.0.1:1", {"Old"})).ok());
  ZookeeperRegistrar later(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(later.Start(Broker("broker-a", "127.0.0.1:2", {"New"})).ok());
  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  StatusOr<TopicRouteData> route = Route(discovery, "New");
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->broker_datas.at(0).broker_addrs.at(0), "127.0.0.1:2");
}

TEST_F(ZookeeperLiveTest, ClientKeepsLastRoutesWhileZooKeeperIsDownAndRecovers) {
  ASSERT_NO_FATAL_FAILURE(StartServers(1));
  ZookeeperRegistrar registrar(Context(), Config(servers_->ConnectString()));
  BrokerRegistration self = Broker("broker-a", "127.0.0.1:10911", {"T"});
  ASSERT_TRUE(registrar.Start(self).ok());
  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  ASSERT_TRUE(discovery.Health().ok());

  servers_->Stop(0);
  ASSERT_TRUE(WaitUntil(10s, [&] { return !discovery.Health().ok(); }));
  EXPECT_EQ(discovery.Health().code(), StatusCode::kUnavailable);
  EXPECT_THAT(discovery.Health().message(), ::testing::HasSubstr("serving the last known routes"));
  EXPECT_TRUE(HasRoute(discovery, "T")) << "last known route dropped";

  ASSERT_TRUE(servers_->Restart(0).ok());
  ASSERT_TRUE(WaitUntil(30s, [&] { return discovery.Health().ok(); }));
  // A change after recovery reaches the client again.
  self.topics["After"] = TopicConfig{.topic_name = "After"};
  std::promise<Status> done;
  registrar.Publish(self, [&](Status s) { done.set_value(s); });
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_TRUE(WaitUntil(10s, [&] { return HasRoute(discovery, "After"); }));
}

TEST_F(ZookeeperLiveTest, EnsembleKeepsRegistrationAndDiscoveryAfterTheLeaderIsKilled) {
  ASSERT_NO_FATAL_FAILURE(StartServers(3));
  ZookeeperRegistrar registrar(Context(), Config(servers_->ConnectString()));
  BrokerRegistration self = Broker("broker-a", "127.0.0.1:10911", {"T"});
  ASSERT_TRUE(registrar.Start(self).ok());
  ZookeeperDiscovery discovery(Context(), Config(servers_->ConnectString()));
  ASSERT_TRUE(discovery.Start().ok());
  ASSERT_TRUE(HasRoute(discovery, "T"));

  const int leader = servers_->Leader();
  ASSERT_GE(leader, 0);
  const auto killed = SteadyClock::now();
  servers_->Kill(leader);
  ASSERT_TRUE(WaitUntil(30s, [&] { return servers_->Leader() >= 0; }));
  std::cout << "[figure] 3-node ensemble: kill -9 leader -> new leader: "
            << std::chrono::duration<double, std::milli>(SteadyClock::now() - killed).count()
            << " ms\n";
  // Registration continues: a new topic published now reaches discovery.
  self.topics["AfterElection"] = TopicConfig{.topic_name = "AfterElection"};
  Status published;
  ASSERT_TRUE(WaitUntil(30s, [&] {
    std::promise<Status> done;
    registrar.Publish(self, [&](Status s) { done.set_value(s); });
    published = done.get_future().get();
    return published.ok();
  })) << published;
  ASSERT_TRUE(WaitUntil(20s, [&] { return HasRoute(discovery, "AfterElection"); }));
  std::cout << "[figure] 3-node ensemble: kill -9 leader -> new topic visible to discovery: "
            << std::chrono::duration<double, std::milli>(SteadyClock::now() - killed).count()
            << " ms\n";
  EXPECT_TRUE(discovery.Health().ok()) << discovery.Health();
  // The registration survived the election (same session): the broker is still routed.
  EXPECT_TRUE(HasRoute(discovery, "T"));
}

}  // namespace
}  // namespace quiver::registry::zookeeper
