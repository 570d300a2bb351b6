#include "zookeeper_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quiver/testing/map_config_view.h"

namespace quiver::registry::zookeeper {
namespace {

using namespace std::chrono_literals;
using testing::MapConfigView;

TEST(ZookeeperConfigTest, DefaultsFollowTheDesign) {
  MapConfigView view("registry.zookeeper", {{"ensemble", "127.0.0.1:2181"}});
  StatusOr<ZookeeperConfig> config = ReadZookeeperConfig(view);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ensemble, "127.0.0.1:2181");
  EXPECT_EQ(config->session_timeout, 10s);
  EXPECT_EQ(config->root, "/quiver");
}

TEST(ZookeeperConfigTest, EveryKeyIsRead) {
  MapConfigView view(
      "registry.zookeeper",
      {{"ensemble", "a:1,b:2,[::1]:3"}, {"session_timeout", "4s"}, {"root", "/mq/prod"}});
  StatusOr<ZookeeperConfig> config = ReadZookeeperConfig(view);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(view.UnreadKeys(), ::testing::IsEmpty());
  EXPECT_EQ(config->ensemble, "a:1,b:2,[::1]:3");
  EXPECT_EQ(config->session_timeout, 4s);
  EXPECT_EQ(config->root, "/mq/prod");
}

TEST(ZookeeperConfigTest, EnsembleIsRequired) {
  MapConfigView view("registry.zookeeper", {});
  EXPECT_EQ(ReadZookeeperConfig(view).status(),
            InvalidArgumentError("test.toml: registry.zookeeper.ensemble: missing required key"));
}

TEST(ZookeeperConfigTest, BadEnsemblesAreRejectedSayingWhy) {
  struct Case {
    std::string ensemble;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"", "expected at least one server, e.g. \"127.0.0.1:2181\""},
           {"localhost", "expected \"host:port\" (e.g. \"127.0.0.1:2181\"), found \"localhost\""},
           {"a:1,", "expected \"host:port\" (e.g. \"127.0.0.1:2181\"), found \"\""},
           {"a:1;b:2",
            "expected \"host:port\" (e.g. \"127.0.0.1:2181\"), found \"a:1;b:2\" "
            "(separate servers with ',' and no spaces)"},
           {"a:0", "expected a port from 1 to 65535 in \"a:0\""},
           {"a:70000", "expected a port from 1 to 65535 in \"a:70000\""},
           {"a:1,a:1", "\"a:1\" is listed twice"},
           {"a:1/chroot",
            "a chroot suffix (\"/path\") is not supported in \"a:1/chroot\"; set `root` instead"},
       }) {
    MapConfigView view("registry.zookeeper", {{"ensemble", c.ensemble}});
    EXPECT_EQ(ReadZookeeperConfig(view).status(),
              InvalidArgumentError("test.toml: registry.zookeeper.ensemble: " + c.error))
        << c.ensemble;
  }
}

TEST(ZookeeperConfigTest, SessionTimeoutOutsideOneSecondToTenMinutesIsRejected) {
  for (const char* value : {"500ms", "11m"}) {
    MapConfigView view("registry.zookeeper", {{"ensemble", "a:1"}, {"session_timeout", value}});
    EXPECT_EQ(ReadZookeeperConfig(view).status(),
              InvalidArgumentError("test.toml: registry.zookeeper.session_timeout: expected a "
                                   "duration from \"1s\" to \"10m\" (ZooKeeper clamps it to [2, "
                                   "20] x tickTime)"))
        << value;
  }
}

TEST(ZookeeperConfigTest, RootMustBeAnAbsoluteZnodePath) {
  for (const char* root : {"quiver", "/", "/quiver/", "/a//b", "/a/./b", "/a/.."}) {
    MapConfigView view("registry.zookeeper", {{"ensemble", "a:1"}, {"root", root}});
    Status status = ReadZookeeperConfig(view).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << root;
    EXPECT_THAT(status.message(),
                ::testing::StartsWith("test.toml: registry.zookeeper.root: expected an absolute "
                                      "znode path such as \"/quiver\", found \"" +
                                      std::string(root) + "\""));
  }
}

}  // namespace
}  // namespace quiver::registry::zookeeper
