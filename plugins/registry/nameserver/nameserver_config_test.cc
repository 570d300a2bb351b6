#include "nameserver_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quiver/testing/map_config_view.h"

namespace quiver::registry::nameserver {
namespace {

using namespace std::chrono_literals;
using testing::MapConfigView;

TEST(NameserverConfigTest, DefaultsFollowTheDesign) {
  MapConfigView view("registry.nameserver", {{"addresses", "127.0.0.1:9876"}});
  StatusOr<NameserverConfig> config = ReadNameserverConfig(view, AddressesRequired::kYes);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->addresses, std::vector<std::string>{"127.0.0.1:9876"});
  EXPECT_EQ(config->heartbeat_interval, 30s);
  EXPECT_EQ(config->scan_interval, 10s);
  EXPECT_EQ(config->broker_expiry, 120s);
  EXPECT_EQ(config->route_refresh, 30s);
  EXPECT_EQ(config->request_timeout, 3s);
}

TEST(NameserverConfigTest, EveryFacetReadsEverySupportedKey) {
  for (AddressesRequired required : {AddressesRequired::kYes, AddressesRequired::kNo}) {
    MapConfigView view("registry.nameserver", {{"addresses", "a:1,b:2"},
                                               {"heartbeat_interval", "5s"},
                                               {"scan_interval", "1s"},
                                               {"broker_expiry", "20s"},
                                               {"route_refresh", "7s"},
                                               {"request_timeout", "500ms"}});
    StatusOr<NameserverConfig> config = ReadNameserverConfig(view, required);
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_THAT(view.UnreadKeys(), ::testing::IsEmpty());
    EXPECT_EQ(config->addresses, (std::vector<std::string>{"a:1", "b:2"}));
    EXPECT_EQ(config->heartbeat_interval, 5s);
    EXPECT_EQ(config->scan_interval, 1s);
    EXPECT_EQ(config->broker_expiry, 20s);
    EXPECT_EQ(config->route_refresh, 7s);
    EXPECT_EQ(config->request_timeout, 500ms);
  }
}

TEST(NameserverConfigTest, AddressesAreRequiredForBrokersAndClients) {
  MapConfigView view("registry.nameserver");
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kYes).status(),
            InvalidArgumentError("test.toml: registry.nameserver.addresses: missing required key"));
}

TEST(NameserverConfigTest, NameServerDoesNotNeedAddresses) {
  MapConfigView view("registry.nameserver");
  StatusOr<NameserverConfig> config = ReadNameserverConfig(view, AddressesRequired::kNo);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->addresses.empty());
}

TEST(NameserverConfigTest, EmptyAddressListIsRejected) {
  MapConfigView view("registry.nameserver", {{"addresses", ""}});
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kYes).status(),
            InvalidArgumentError("test.toml: registry.nameserver.addresses: expected at least "
                                 "one name server \"host:port\""));
}

TEST(NameserverConfigTest, AddressWithoutPortIsRejected) {
  MapConfigView view("registry.nameserver", {{"addresses", "127.0.0.1"}});
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kYes).status(),
            InvalidArgumentError("test.toml: registry.nameserver.addresses: expected "
                                 "\"host:port\" (e.g. \"127.0.0.1:9876\"), found \"127.0.0.1\""));
}

TEST(NameserverConfigTest, RocketMqSemicolonListIsRejectedWithAHint) {
  MapConfigView view("registry.nameserver", {{"addresses", "a:1;b:2"}});
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kYes).status(),
            InvalidArgumentError("test.toml: registry.nameserver.addresses: expected "
                                 "\"host:port\" (e.g. \"127.0.0.1:9876\"), found \"a:1;b:2\" "
                                 "(one address per array element)"));
}

TEST(NameserverConfigTest, PortOutOfRangeIsRejected) {
  MapConfigView view("registry.nameserver", {{"addresses", "h:70000"}});
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kNo).status(),
            InvalidArgumentError("test.toml: registry.nameserver.addresses: expected a port "
                                 "from 1 to 65535 in \"h:70000\""));
}

TEST(NameserverConfigTest, DuplicateAddressIsRejected) {
  MapConfigView view("registry.nameserver", {{"addresses", "h:1,h:1"}});
  EXPECT_EQ(
      ReadNameserverConfig(view, AddressesRequired::kYes).status(),
      InvalidArgumentError("test.toml: registry.nameserver.addresses: \"h:1\" is listed twice"));
}

TEST(NameserverConfigTest, BracketedIpv6AddressIsAccepted) {
  EXPECT_TRUE(ValidateHostPort("[::1]:9876").ok());
  EXPECT_EQ(ValidateHostPort("::1:9876").code(), StatusCode::kInvalidArgument);
}

TEST(NameserverConfigTest, ZeroDurationIsRejected) {
  MapConfigView view("registry.nameserver", {{"addresses", "h:1"}, {"scan_interval", "0s"}});
  EXPECT_EQ(ReadNameserverConfig(view, AddressesRequired::kYes).status(),
            InvalidArgumentError("test.toml: registry.nameserver.scan_interval: expected a "
                                 "positive duration such as \"30s\", found 0"));
}

TEST(NameserverConfigTest, MalformedDurationNamesTheKey) {
  MapConfigView view("registry.nameserver",
                     {{"addresses", "h:1"}, {"heartbeat_interval", "30 sec"}});
  Status status = ReadNameserverConfig(view, AddressesRequired::kYes).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              ::testing::StartsWith("test.toml: registry.nameserver.heartbeat_interval: "));
}

}  // namespace
}  // namespace quiver::registry::nameserver
