#include "message_codec.h"

#include <gtest/gtest.h>

#include "quiver/client/producer.h"
#include "testing/fake_cluster.h"

namespace quiver::inline v1::client {
namespace {

TEST(BatchBodyTest, EncodingIsByteExactPerProtocolSection44) {
  std::string props = std::string("TAGS\x01") + "A\x02";
  std::string body = EncodeBatchBody({{7, "hi", props}, {0, "", ""}});
  std::string expected;
  // entry 1: total = 20 + 2 + 2 + 7 = 31
  expected += std::string("\x00\x00\x00\x1f", 4);  // totalSize
  expected += std::string("\x00\x00\x00\x00", 4);  // magic
  expected += std::string("\x00\x00\x00\x00", 4);  // body crc
  expected += std::string("\x00\x00\x00\x07", 4);  // flag
  expected += std::string("\x00\x00\x00\x02", 4);  // body length
  expected += "hi";
  expected += std::string("\x00\x07", 2);  // properties length
  expected += props;
  // entry 2: total = 22
  expected += std::string("\x00\x00\x00\x16\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                          "\x00\x00\x00\x00\x00\x00", 22);
  EXPECT_EQ(body, expected);
}

TEST(MessageCodecTest, TagExpressionsParseLikeJava) {
  EXPECT_EQ(internal::ParseTagExpression("*"), std::vector<std::string>{});
  EXPECT_EQ(internal::ParseTagExpression(""), std::vector<std::string>{});
  EXPECT_EQ(internal::ParseTagExpression("TagA || TagB"), (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_TRUE(internal::TagMatches({"A", "B"}, "B"));
  EXPECT_FALSE(internal::TagMatches({"A", "B"}, "C"));
  EXPECT_FALSE(internal::TagMatches({"A"}, ""));
}

TEST(MessageCodecTest, OffsetMsgIdIsStoreHostPortAndOffsetInHex) {
  HostAddress host{{127, 0, 0, 1}, 10911};
  EXPECT_EQ(internal::OffsetMsgId(host, 0), "7F00000100002A9F0000000000000000");
}

TEST(MessageCodecTest, UniqueIdsAreDistinctAndStartWithTheClientIp) {
  testing::ManualClock clock;
  internal::UniqueIdGenerator ids("10.1.2.3@x", clock);
  const std::string a = ids.Next();
  const std::string b = ids.Next();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 8), "0A010203");
}

TEST(MessageCodecTest, ReservedPropertyKeysAreRefused) {
  Message m("T", "", "", "x");
  m.properties["UNIQ_KEY"] = "mine";
  EXPECT_EQ(internal::ValidateMessage(m, 100), InvalidArgumentError("the user property key UNIQ_KEY is reserved"));
}

}  // namespace
}  // namespace quiver::inline v1::client
