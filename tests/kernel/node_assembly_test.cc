// Role assembly end to end in one process: the kernel loads the "recorder" test plugins
// (one per kind, built beside this test), builds each role's facets, starts them in
// dependency order and stops them in reverse. The recorders log every lifecycle call.
#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "kernel/config/node_config.h"
#include "kernel/node/node.h"

namespace quiver::kernel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kPluginDir = QUIVER_TEST_PLUGIN_DIR;

std::string Header(std::string_view role) {
  return "role = \"" + std::string(role) + "\"\nplugin_dirs = [\"" + kPluginDir +
         "\"]\n[transport]\nplugin = \"recorder\"\n[registry]\nplugin = \"recorder\"\n";
}

const std::string kBrokerTables =
    "[storage]\nplugin = \"recorder\"\n[replication]\nplugin = \"recorder\"\n"
    "[broker]\nname = \"broker-a\"\nstore_dir = \"/tmp/quiver-recorder-store\"\n";

class NodeAssemblyTest : public ::testing::Test {
 protected:
  NodeAssemblyTest() : logs_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {}

  StatusOr<std::unique_ptr<Node>> Assemble(const std::string& text) {
    auto root = TomlConfigView::Parse(text, "node.toml");
    if (!root.ok()) return root.status();
    QUIVER_ASSIGN_OR_RETURN(NodeConfig config, ReadNodeConfig(*root, "node.toml"));
    return Node::Assemble(std::move(config), logs_);
  }

  // "[<logger>] <event>" of every recorder line, in order.
  std::vector<std::string> Recorded() const {
    std::vector<std::string> out;
    std::istringstream lines(out_.str());
    std::string line;
    const std::regex pattern(R"(\[([a-z.]+)\] \[info\] recorder: (.*))");
    std::smatch m;
    while (std::getline(lines, line)) {
      if (std::regex_search(line, m, pattern)) out.push_back("[" + m[1].str() + "] " + m[2].str());
    }
    return out;
  }
  // The lifecycle steps only: without the broker's request-handler registrations.
  std::vector<std::string> RecordedSteps() const {
    std::vector<std::string> out;
    for (std::string& step : Recorded()) {
      if (step.find("transport server handler") == std::string::npos) out.push_back(step);
    }
    return out;
  }

  std::ostringstream out_;
  LogRegistry logs_;
};

TEST_F(NodeAssemblyTest, BrokerRegistersItsRequestHandlersBeforeListening) {
  auto node = Assemble(Header("broker") + kBrokerTables);
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->Start().ok());
  (*node)->Stop();
  std::vector<std::string> steps = Recorded();
  auto first_handler =
      std::find(steps.begin(), steps.end(), "[transport.recorder] transport server handler 10");
  auto listening = std::find_if(steps.begin(), steps.end(), [](const std::string& s) {
    return s.rfind("[transport.recorder] transport server start", 0) == 0;
  });
  ASSERT_NE(first_handler, steps.end()) << "SEND_MESSAGE (10) has no handler";
  ASSERT_NE(listening, steps.end());
  EXPECT_LT(first_handler - steps.begin(), listening - steps.begin());
  EXPECT_NE(
      std::find(steps.begin(), steps.end(), "[transport.recorder] transport server handler 11"),
      steps.end())
      << "PULL_MESSAGE (11) has no handler";
}

TEST_F(NodeAssemblyTest, BrokerStartsInDependencyOrderAndStopsInReverse) {
  auto node = Assemble(Header("broker") + kBrokerTables);
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->Start().ok());
  (*node)->Stop();
  EXPECT_THAT(
      RecordedSteps(),
      ElementsAre(
          "[storage.recorder] store created", "[transport.recorder] transport server created",
          "[transport.recorder] transport client created",
          "[replication.recorder] replicator created", "[registry.recorder] registrar created",
          "[storage.recorder] store start in /tmp/quiver-recorder-store",
          "[replication.recorder] replicator start",
          "[transport.recorder] transport server start 127.0.0.1:10911",
          "[registry.recorder] registrar start DefaultCluster/broker-a/0 at 127.0.0.1:10911",
          "[registry.recorder] registrar stop", "[transport.recorder] transport server stop",
          "[replication.recorder] replicator stop", "[transport.recorder] transport client stop",
          "[storage.recorder] store stop"));
}

TEST_F(NodeAssemblyTest, BrokerRegistersItsAdvertisedAddress) {
  auto node = Assemble(Header("broker") + kBrokerTables +
                       "listen = \"0.0.0.0:10911\"\nadvertise = \"10.1.2.3:10911\"\nid = 1\n");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->Start().ok());
  EXPECT_THAT(out_.str(), HasSubstr("recorder: registrar start DefaultCluster/broker-a/1 at "
                                    "10.1.2.3:10911"));
}

TEST_F(NodeAssemblyTest, NameserverRegistersHandlersBeforeListening) {
  auto node = Assemble(Header("nameserver"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->Start().ok());
  (*node)->Stop();
  EXPECT_THAT(Recorded(), ElementsAre("[transport.recorder] transport server created",
                                      "[registry.recorder] registry server created",
                                      "[registry.recorder] registry server start",
                                      "[transport.recorder] transport server handler 105",
                                      "[transport.recorder] transport server start 127.0.0.1:9876",
                                      "[transport.recorder] transport server stop",
                                      "[registry.recorder] registry server stop"));
}

TEST_F(NodeAssemblyTest, ClientStartsDiscoveryAfterTheTransport) {
  auto node = Assemble(Header("client"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->Start().ok());
  (*node)->Stop();
  EXPECT_THAT(Recorded(), ElementsAre("[transport.recorder] transport client created",
                                      "[registry.recorder] discovery created",
                                      "[registry.recorder] discovery start",
                                      "[registry.recorder] discovery stop",
                                      "[transport.recorder] transport client stop"));
}

TEST_F(NodeAssemblyTest, AFailedStartStopsWhatStartedInReverse) {
  auto node =
      Assemble(Header("broker") + kBrokerTables + "[replication.recorder]\nfail_start = true\n");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)->Start(),
            UnavailableError("failed to start replication.recorder replicator: recorder "
                             "replicator refuses to start (fail_start = true)"));
  EXPECT_THAT(
      RecordedSteps(),
      ElementsAre(
          "[storage.recorder] store created", "[transport.recorder] transport server created",
          "[transport.recorder] transport client created",
          "[replication.recorder] replicator created", "[registry.recorder] registrar created",
          "[storage.recorder] store start in /tmp/quiver-recorder-store",
          "[replication.recorder] replicator start refused",
          "[transport.recorder] transport client stop", "[storage.recorder] store stop"));
}

TEST_F(NodeAssemblyTest, AssemblingStartsNothing) {
  {
    auto node = Assemble(Header("broker") + kBrokerTables);
    ASSERT_TRUE(node.ok()) << node.status();
    ASSERT_EQ((*node)->plugin_files().size(), 4u);
    EXPECT_EQ((*node)->plugin_files()[0].path,
              std::filesystem::path(kPluginDir) / "quiver-transport-recorder.so");
    EXPECT_EQ((*node)->plugin_files()[0].version, "0.0.1");
  }
  for (const std::string& line : Recorded()) EXPECT_THAT(line, HasSubstr("created"));
}

TEST_F(NodeAssemblyTest, UnknownKeyInAPluginTableIsRejectedBeforeAnythingStarts) {
  auto node =
      Assemble(Header("broker") + kBrokerTables + "[storage.recorder]\nfail_strat = true\n");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status(),
            InvalidArgumentError("node.toml:15:1: unknown key storage.recorder.fail_strat (not "
                                 "read by storage plugin \"recorder\"); check its spelling"));
  for (const std::string& line : Recorded()) EXPECT_THAT(line, HasSubstr("created"));
}

TEST_F(NodeAssemblyTest, APluginsConfigErrorPassesThroughWithItsPosition) {
  auto node = Assemble(Header("client") + "[transport.recorder]\nfail_start = \"yes\"\n");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status(),
            InvalidArgumentError("node.toml:8:14: transport.recorder.fail_start: expected true or "
                                 "false, found a string (\"yes\")"));
  EXPECT_THAT(Recorded(), IsEmpty());
}

TEST_F(NodeAssemblyTest, AnUnknownPluginIsNotFoundAndNamesTheFile) {
  auto node =
      Assemble("role = \"client\"\nplugin_dirs = [\"" + std::string(kPluginDir) +
               "\"]\n[transport]\nplugin = \"recorder\"\n[registry]\nplugin = \"nosuch\"\n");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(node.status().message(), HasSubstr("quiver-registry-nosuch.so"));
}

}  // namespace
}  // namespace quiver::kernel
