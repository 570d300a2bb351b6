#include "tcp_config.h"

#include <gtest/gtest.h>

#include "quiver/testing/map_config_view.h"

namespace quiver::transport::tcp {
namespace {

using testing::MapConfigView;

constexpr char kPath[] = "transport.tcp";

TEST(TcpConfigTest, AnEmptyTableGivesTheDocumentedDefaults) {
  MapConfigView view(kPath);
  StatusOr<TcpConfig> config = ParseTcpConfig(view);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->io_threads, 2);
  EXPECT_EQ(config->max_frame_size, 16u * 1024 * 1024);
  EXPECT_EQ(config->idle_timeout, std::chrono::seconds(120));
  EXPECT_EQ(config->max_connections, 10000);
  EXPECT_EQ(config->max_in_flight, 65536);
  EXPECT_EQ(config->connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(config->reconnect_backoff_max, std::chrono::seconds(5));
}

TEST(TcpConfigTest, EverySupportedKeyIsRead) {
  MapConfigView view(kPath, {{"io_threads", "4"},
                             {"max_frame_size", "1MiB"},
                             {"idle_timeout", "0s"},
                             {"max_connections", "7"},
                             {"max_in_flight", "3"},
                             {"connect_timeout", "250ms"},
                             {"reconnect_backoff_max", "1m"}});
  StatusOr<TcpConfig> config = ParseTcpConfig(view);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->io_threads, 4);
  EXPECT_EQ(config->max_frame_size, 1024u * 1024);
  EXPECT_EQ(config->idle_timeout, Duration::zero());
  EXPECT_EQ(config->max_connections, 7);
  EXPECT_EQ(config->max_in_flight, 3);
  EXPECT_EQ(config->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(config->reconnect_backoff_max, std::chrono::minutes(1));
  EXPECT_TRUE(view.UnreadKeys().empty());
}

TEST(TcpConfigTest, IoThreadsOutOfRangeIsRejectedWithTheRange) {
  MapConfigView view(kPath, {{"io_threads", "0"}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError(
                "test.toml: transport.tcp.io_threads: expected an integer from 1 to 256, found 0"));
}

TEST(TcpConfigTest, MaxFrameSizeBelowOneKibIsRejected) {
  MapConfigView view(kPath, {{"max_frame_size", "512B"}});
  EXPECT_EQ(
      ParseTcpConfig(view).status(),
      InvalidArgumentError("test.toml: transport.tcp.max_frame_size: expected a size from 1KiB to "
                           "2147483647B, found 512B"));
}

TEST(TcpConfigTest, MaxFrameSizeAboveTheInt32LengthPrefixIsRejected) {
  MapConfigView view(kPath, {{"max_frame_size", "2GiB"}});
  EXPECT_EQ(
      ParseTcpConfig(view).status(),
      InvalidArgumentError("test.toml: transport.tcp.max_frame_size: expected a size from 1KiB to "
                           "2147483647B, found 2GiB"));
}

TEST(TcpConfigTest, AZeroConnectTimeoutIsRejected) {
  MapConfigView view(kPath, {{"connect_timeout", "0ms"}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError(
                "test.toml: transport.tcp.connect_timeout: expected a duration from 1ms to 10m, "
                "found 0s"));
}

TEST(TcpConfigTest, AMalformedDurationNamesTheKey) {
  MapConfigView view(kPath, {{"idle_timeout", "2 minutes"}});
  StatusOr<TcpConfig> config = ParseTcpConfig(view);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().rfind(
                "test.toml: transport.tcp.idle_timeout: expected a duration", 0),
            0u)
      << config.status();
}

TEST(TcpConfigTest, MaxInFlightOfZeroIsRejected) {
  MapConfigView view(kPath, {{"max_in_flight", "0"}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError(
                "test.toml: transport.tcp.max_in_flight: expected an integer from 1 to 16777216, "
                "found 0"));
}

}  // namespace
}  // namespace quiver::transport::tcp
