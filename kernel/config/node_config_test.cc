#include "kernel/config/node_config.h"

#include <unistd.h>

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::kernel {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;

StatusOr<NodeConfig> Read(std::string_view text, std::string file = "node.toml") {
  auto root = TomlConfigView::Parse(text, file);
  if (!root.ok()) return root.status();
  return ReadNodeConfig(*root, file);
}

std::string ErrorOf(std::string_view text, std::string file = "node.toml") {
  auto config = Read(text, file);
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
}

constexpr std::string_view kMinimalBroker =
    "role = \"broker\"\n[broker]\nname = \"broker-a\"\nstore_dir = \"/var/lib/quiver/b\"\n";

TEST(NodeConfigTest, MissingRoleSaysHowToAddIt) {
  EXPECT_EQ(ErrorOf("[log]\nlevel = \"info\"\n", "broker.toml"),
            "broker.toml: role: missing required key; add role = \"nameserver\", \"broker\" or "
            "\"client\" at the top of the file");
}

TEST(NodeConfigTest, UnknownRoleListsTheThreeRoles) {
  EXPECT_EQ(ErrorOf("role = \"brokr\"\n"),
            "node.toml:1:8: role: expected one of \"nameserver\", \"broker\", \"client\", found "
            "\"brokr\"");
}

TEST(NodeConfigTest, RoleOfTheWrongTypeIsAnError) {
  EXPECT_EQ(ErrorOf("role = 1\n"), "node.toml:1:8: role: expected a string, found an integer (1)");
}

TEST(NodeConfigTest, BrokerWithoutNameIsRejected) {
  EXPECT_EQ(ErrorOf("role = \"broker\"\n[broker]\nstore_dir = \"/s\"\n", "broker.toml"),
            "broker.toml:2:1: broker.name: missing required key (expected a string)");
}

TEST(NodeConfigTest, BrokerWithoutStoreDirIsRejected) {
  EXPECT_EQ(ErrorOf("role = \"broker\"\n[broker]\nname = \"b\"\n", "broker.toml"),
            "broker.toml:2:1: broker.store_dir: missing required key (expected a string)");
}

TEST(NodeConfigTest, BrokerIdOfTheWrongTypeIsRejected) {
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "id = \"zero\"\n"),
            "node.toml:5:6: broker.id: expected an integer, found a string (\"zero\")");
}

TEST(NodeConfigTest, UnknownKeyInAKernelTableNamesFileLineAndKey) {
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "auto_create_topics = true\n", "broker.toml"),
            "broker.toml:5:1: unknown key broker.auto_create_topics (not a key of [broker]: "
            "cluster, name, id, listen, advertise, store_dir, auto_create_topic, default_queues, "
            "max_message_size, delay_levels, max_transfer_count, max_transfer_bytes); check its "
            "spelling");
  EXPECT_EQ(ErrorOf("role = \"client\"\n[log]\nlevel = \"info\"\ncolor = true\n"),
            "node.toml:4:1: unknown key log.color (not a key of [log]: level); check its spelling");
}

TEST(NodeConfigTest, UnknownTopLevelKeyIsAnError) {
  EXPECT_EQ(ErrorOf("role = \"client\"\n[clinet]\n"),
            "node.toml:2:2: unknown key clinet (not a top-level key: role, plugin_dirs, [log], "
            "[nameserver], [broker], [client], [transport], [registry], [storage], "
            "[replication]); check its spelling");
}

TEST(NodeConfigTest, UnknownKeyInAKindTableIsAnError) {
  EXPECT_EQ(ErrorOf("role = \"client\"\n[transport]\nplugin = \"tcp\"\nplugins = \"x\"\n"),
            "node.toml:4:1: unknown key transport.plugins (not a key of [transport]: plugin, and "
            "[transport.<plugin>] tables); check its spelling");
}

TEST(NodeConfigTest, UnknownKeyInThePluginTableIsCaughtAfterThePluginRead) {
  auto config =
      Read("role = \"client\"\n[transport.tcp]\nio_threads = 2\nio_thread = 4\n", "client.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  // What the tcp plugin's factory would do: read the keys it knows.
  ASSERT_TRUE(config->Plugin(PluginKind::kTransport).config->GetInt("io_threads", 2).ok());
  EXPECT_EQ(CheckPluginTables(*config),
            InvalidArgumentError("client.toml:4:1: unknown key transport.tcp.io_thread (not read "
                                 "by transport plugin \"tcp\"); check its spelling"));
}

TEST(NodeConfigTest, PluginTablesThatThePluginReadPass) {
  auto config = Read("role = \"client\"\n[registry.nameserver]\naddresses = [\"a:1\"]\n");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->Plugin(PluginKind::kRegistry).config->RequireStringList("addresses").ok());
  EXPECT_TRUE(CheckPluginTables(*config).ok());
}

TEST(NodeConfigTest, UnknownPluginNameSyntaxIsRejected) {
  EXPECT_EQ(ErrorOf("role = \"client\"\n[registry]\nplugin = \"../zk\"\n"),
            "node.toml:3:10: registry.plugin: expected a plugin name (letters, digits, '-', '_') "
            "such as \"nameserver\", found \"../zk\"");
}

TEST(NodeConfigTest, BadDurationAndSizeValuesNameTheKey) {
  EXPECT_EQ(ErrorOf("role = \"client\"\n[client]\nrequest_timeout = \"3 sec\"\n"),
            "node.toml:3:19: client.request_timeout: expected a duration such as \"500ms\" or "
            "\"30s\" (an integer and one of ms, s, m, h), found \"3 sec\"");
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "max_message_size = \"4MB\"\n"),
            "node.toml:5:20: broker.max_message_size: expected a size such as \"4MiB\" (an "
            "integer and one of B, KiB, MiB, GiB), found \"4MB\"");
}

TEST(NodeConfigTest, BadDelayLevelNamesTheLevel) {
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "delay_levels = \"1s 5x 10s\"\n"),
            "node.toml:5:16: broker.delay_levels: level 2 (\"5x\"): expected a duration such as "
            "\"500ms\" or \"30s\" (an integer and one of ms, s, m, h), found \"5x\"");
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "delay_levels = \"0s\"\n"),
            "node.toml:5:16: broker.delay_levels: level 1 (\"0s\"): expected a duration above 0ms");
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "delay_levels = \" \"\n"),
            "node.toml:5:16: broker.delay_levels: expected space-separated durations such as "
            "\"1s 5s 10s\", found \" \"");
}

TEST(NodeConfigTest, BadAddressIsRejected) {
  EXPECT_EQ(ErrorOf("role = \"nameserver\"\n[nameserver]\nlisten = \"9876\"\n"),
            "node.toml:3:10: nameserver.listen: expected an address \"host:port\" such as "
            "\"127.0.0.1:9876\", found \"9876\"");
  EXPECT_EQ(ErrorOf("role = \"nameserver\"\n[nameserver]\nlisten = \"h:99999\"\n"),
            "node.toml:3:10: nameserver.listen: expected an address \"host:port\" such as "
            "\"127.0.0.1:9876\", found \"h:99999\"");
}

TEST(NodeConfigTest, AdvertiseIsRequiredWhenListeningOnAllInterfaces) {
  EXPECT_EQ(ErrorOf(std::string(kMinimalBroker) + "listen = \"0.0.0.0:10911\"\n"),
            "node.toml:2:1: broker.advertise: missing required key: listen is "
            "\"0.0.0.0:10911\", so set the address clients connect to, e.g. advertise = "
            "\"192.168.1.10:10911\"");
  auto config = Read(std::string(kMinimalBroker) +
                     "listen = \"0.0.0.0:10911\"\nadvertise = \"10.0.0.5:10911\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->broker.advertise, "10.0.0.5:10911");
}

TEST(NodeConfigTest, BrokerDefaultsAreThoseOfTheDesign) {
  auto config = Read(kMinimalBroker);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->role, NodeRole::kBroker);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_TRUE(config->plugin_dirs.empty());
  const BrokerSettings& b = config->broker;
  EXPECT_EQ(b.cluster, "DefaultCluster");
  EXPECT_EQ(b.name, "broker-a");
  EXPECT_EQ(b.id, 0);
  EXPECT_EQ(b.listen, "127.0.0.1:10911");
  EXPECT_EQ(b.advertise, "");
  EXPECT_EQ(b.store_dir, "/var/lib/quiver/b");
  EXPECT_TRUE(b.auto_create_topic);
  EXPECT_EQ(b.default_queues, 4);
  EXPECT_EQ(b.max_message_size, 4u << 20);
  EXPECT_THAT(b.delay_levels, ElementsAre(1s, 5s, 10s, 30s, 1min, 2min, 3min, 4min, 5min, 6min,
                                          7min, 8min, 9min, 10min, 20min, 30min, 1h, 2h));
  ASSERT_EQ(config->plugins.size(), 4u);
  EXPECT_EQ(config->Plugin(PluginKind::kTransport).name, "tcp");
  EXPECT_EQ(config->Plugin(PluginKind::kRegistry).name, "nameserver");
  EXPECT_EQ(config->Plugin(PluginKind::kStorage).name, "commitlog");
  EXPECT_EQ(config->Plugin(PluginKind::kReplication).name, "master-slave");
  EXPECT_EQ(config->Plugin(PluginKind::kReplication).config->Path(), "replication.master-slave");
  EXPECT_TRUE(config->warnings.empty());
}

TEST(NodeConfigTest, NameserverAndClientDefaultsAreThoseOfTheDesign) {
  auto nameserver = Read("role = \"nameserver\"\n");
  ASSERT_TRUE(nameserver.ok()) << nameserver.status();
  EXPECT_EQ(nameserver->nameserver.listen, "127.0.0.1:9876");
  ASSERT_EQ(nameserver->plugins.size(), 2u);
  EXPECT_EQ(nameserver->plugins[0].kind, PluginKind::kTransport);
  EXPECT_EQ(nameserver->plugins[1].kind, PluginKind::kRegistry);

  auto client = Read("role = \"client\"\n");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->client.request_timeout, 3s);
  EXPECT_THAT(client->client.instance_name, MatchesRegex(".+@" + std::to_string(getpid())));
  EXPECT_EQ(client->plugins.size(), 2u);
}

TEST(NodeConfigTest, ExplicitValuesOverrideDefaults) {
  auto config = Read(
      "role = \"broker\"\nplugin_dirs = [\"plugins\", \"/opt/quiver\"]\n[log]\nlevel = \"debug\"\n"
      "[broker]\ncluster = \"C\"\nname = \"b\"\nid = 2\nlisten = \"127.0.0.1:0\"\n"
      "store_dir = \"data/b\"\nauto_create_topic = false\ndefault_queues = 8\n"
      "max_message_size = \"1MiB\"\ndelay_levels = \"1s 2m\"\n"
      "[storage]\nplugin = \"mystore\"\n",
      "/etc/quiver/broker.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_THAT(config->plugin_dirs, ElementsAre("/etc/quiver/plugins", "/opt/quiver"));
  EXPECT_EQ(config->broker.cluster, "C");
  EXPECT_EQ(config->broker.id, 2);
  EXPECT_EQ(config->broker.store_dir, "/etc/quiver/data/b");
  EXPECT_FALSE(config->broker.auto_create_topic);
  EXPECT_EQ(config->broker.default_queues, 8);
  EXPECT_EQ(config->broker.max_message_size, 1u << 20);
  EXPECT_THAT(config->broker.delay_levels, ElementsAre(1s, 2min));
  EXPECT_EQ(config->Plugin(PluginKind::kStorage).name, "mystore");
}

TEST(NodeConfigTest, TablesOfOtherRolesAndUnselectedPluginsAreWarnings) {
  auto config = Read(std::string(kMinimalBroker) +
                         "[nameserver]\nlisten = \"x\"\n[client]\n"
                         "[registry]\nplugin = \"nameserver\"\n[registry.zookeeper]\n"
                         "ensemble = \"h:2181\"\n",
                     "broker.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->warnings,
              ElementsAre("broker.toml:5:2: table [nameserver] is not used by role \"broker\"; "
                          "ignored",
                          "broker.toml:7:2: table [client] is not used by role \"broker\"; ignored",
                          "broker.toml:10:11: table [registry.zookeeper] is for registry plugin "
                          "\"zookeeper\", which is not selected ([registry] plugin = "
                          "\"nameserver\"); ignored"));
  EXPECT_TRUE(CheckPluginTables(*config).ok());
}

TEST(NodeConfigTest, KindTablesARoleDoesNotUseAreWarnings) {
  auto config = Read("role = \"client\"\n[storage.commitlog]\nsegment_size = \"1GiB\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(
      config->warnings,
      ElementsAre("node.toml:2:2: table [storage] is not used by role \"client\"; ignored"));
}

TEST(NodeConfigTest, LogLevelMustBeOneOfFive) {
  EXPECT_EQ(ErrorOf("role = \"client\"\n[log]\nlevel = \"verbose\"\n"),
            "node.toml:3:9: log.level: expected one of \"trace\" | \"debug\" | \"info\" | \"warn\" "
            "| \"error\", found \"verbose\"");
}

}  // namespace
}  // namespace quiver::kernel
