#include "tcp_config.h"

#include <gtest/gtest.h>

#include "test_config_view.h"

namespace quiver::transport::tcp {
namespace {

using testing::MapConfigView;

TEST(TcpConfigTest, AnEmptyTableGivesTheDocumentedDefaults) {
  MapConfigView view;
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
  MapConfigView view({{"io_threads", std::int64_t{4}},
                      {"max_frame_size", std::string("1MiB")},
                      {"idle_timeout", std::string("0s")},
                      {"max_connections", std::int64_t{7}},
                      {"max_in_flight", std::int64_t{3}},
                      {"connect_timeout", std::string("250ms")},
                      {"reconnect_backoff_max", std::string("1m")}});
  StatusOr<TcpConfig> config = ParseTcpConfig(view);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->io_threads, 4);
  EXPECT_EQ(config->max_frame_size, 1024u * 1024);
  EXPECT_EQ(config->idle_timeout, Duration::zero());
  EXPECT_EQ(config->max_connections, 7);
  EXPECT_EQ(config->max_in_flight, 3);
  EXPECT_EQ(config->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(config->reconnect_backoff_max, std::chrono::minutes(1));
}

TEST(TcpConfigTest, IoThreadsOutOfRangeIsRejectedWithTheRange) {
  MapConfigView view({{"io_threads", std::int64_t{0}}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError("test:io_threads: expected an integer from 1 to 256, found 0"));
}

TEST(TcpConfigTest, MaxFrameSizeBelowOneKibIsRejected) {
  MapConfigView view({{"max_frame_size", std::string("512B")}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError("test:max_frame_size: expected a size from 1KiB to "
                                 "2147483647B, found 512B"));
}

TEST(TcpConfigTest, MaxFrameSizeAboveTheInt32LengthPrefixIsRejected) {
  MapConfigView view({{"max_frame_size", std::string("2GiB")}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError("test:max_frame_size: expected a size from 1KiB to "
                                 "2147483647B, found 2GiB"));
}

TEST(TcpConfigTest, AZeroConnectTimeoutIsRejected) {
  MapConfigView view({{"connect_timeout", std::string("0ms")}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError("test:connect_timeout: expected a duration from 1ms to 10m, "
                                 "found 0s"));
}

TEST(TcpConfigTest, AMalformedDurationNamesTheKey) {
  MapConfigView view({{"idle_timeout", std::string("2 minutes")}});
  StatusOr<TcpConfig> config = ParseTcpConfig(view);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().rfind("test:idle_timeout: expected a duration", 0), 0u)
      << config.status();
}

TEST(TcpConfigTest, MaxInFlightOfZeroIsRejected) {
  MapConfigView view({{"max_in_flight", std::int64_t{0}}});
  EXPECT_EQ(ParseTcpConfig(view).status(),
            InvalidArgumentError("test:max_in_flight: expected an integer from 1 to 16777216, "
                                 "found 0"));
}

}  // namespace
}  // namespace quiver::transport::tcp
