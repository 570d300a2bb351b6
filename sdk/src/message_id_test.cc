#include "quiver/protocol/message_id.h"

#include <set>

#include <gtest/gtest.h>

namespace quiver::protocol {
namespace {

TEST(MessageIdTest, OffsetMessageIdOfIpv4HostMatchesRocketMqExample) {
  HostAddress host{{127, 0, 0, 1}, 10911};
  EXPECT_EQ(EncodeOffsetMessageId(host, CommitLogOffset(0)), "7F00000100002A9F0000000000000000");
  EXPECT_EQ(EncodeOffsetMessageId(host, CommitLogOffset(0x1234)),
            "7F00000100002A9F0000000000001234");
}

TEST(MessageIdTest, OffsetMessageIdRoundTripsIpv4AndIpv6) {
  HostAddress v4{{10, 1, 2, 3}, 10911};
  auto decoded = DecodeOffsetMessageId(EncodeOffsetMessageId(v4, CommitLogOffset(987654321)));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->store_host.ip, v4.ip);
  EXPECT_EQ(decoded->store_host.port, 10911);
  EXPECT_EQ(decoded->physical_offset, CommitLogOffset(987654321));

  auto v6 = ParseHostAddress("[::1]:9");
  ASSERT_TRUE(v6.ok());
  std::string id = EncodeOffsetMessageId(*v6, CommitLogOffset(7));
  EXPECT_EQ(id.size(), 56u);
  auto decoded6 = DecodeOffsetMessageId(id);
  ASSERT_TRUE(decoded6.ok());
  EXPECT_EQ(decoded6->store_host.ip, v6->ip);
  EXPECT_EQ(decoded6->physical_offset, CommitLogOffset(7));
}

TEST(MessageIdTest, LowercaseOffsetMessageIdIsAccepted) {
  auto decoded = DecodeOffsetMessageId("7f00000100002a9f00000000000000ff");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->physical_offset, CommitLogOffset(255));
}

TEST(MessageIdTest, MalformedOffsetMessageIdIsRejectedWithReason) {
  EXPECT_EQ(
      DecodeOffsetMessageId("ABC").status(),
      InvalidArgumentError("message id \"ABC\" is not 32 (IPv4) or 56 (IPv6) hex characters"));
  EXPECT_EQ(DecodeOffsetMessageId("7F00000100002A9F000000000000000G").status(),
            InvalidArgumentError("message id \"7F00000100002A9F000000000000000G\" has a "
                                 "non-hex character at 30"));
}

TEST(MessageIdTest, HostAddressesParseAndFormat) {
  auto v4 = ParseHostAddress("192.168.1.20:10911");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->ip, (std::vector<std::uint8_t>{192, 168, 1, 20}));
  EXPECT_EQ(v4->port, 10911);
  EXPECT_EQ(FormatHostAddress(*v4), "192.168.1.20:10911");
  auto v6 = ParseHostAddress("[fe80::1]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(FormatHostAddress(*v6), "[fe80::1]:80");
  EXPECT_EQ(ParseHostAddress("localhost:80").status(),
            InvalidArgumentError("not a numeric \"ip:port\" address: \"localhost:80\""));
  EXPECT_FALSE(ParseHostAddress("1.2.3.4:70000").ok());
  EXPECT_FALSE(ParseHostAddress("1.2.3.4").ok());
}

TEST(MessageIdTest, MonthStartIsFirstInstantOfUtcMonth) {
  // 2024-02-29T12:00:00Z
  std::int64_t leap_day = 1709208000000;
  EXPECT_EQ(MonthStartMillis(leap_day, 0), 1706745600000);  // 2024-02-01
  EXPECT_EQ(MonthStartMillis(leap_day, 1), 1709251200000);  // 2024-03-01
}

TEST(MessageIdTest, UniqueKeysAreDistinctAndEncodeClientAndTime) {
  UniqueKeyGenerator generator({10, 0, 0, 9}, 0x12345, 0x0BADF00D);
  std::int64_t now = 1706745600000 + 1000;  // one second into February 2024
  std::string first = generator.Next(now);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first.substr(0, 20), "0A00000923450BADF00D");
  EXPECT_EQ(first.substr(20, 8), "000003E8");
  EXPECT_EQ(first.substr(28), "0000");
  std::set<std::string> ids{first};
  for (int i = 0; i < 1000; ++i) ids.insert(generator.Next(now));
  EXPECT_EQ(ids.size(), 1001u);
}

}  // namespace
}  // namespace quiver::protocol
