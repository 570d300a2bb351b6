#include "message_codec.h"

#include <gtest/gtest.h>

#include "broker_api.h"
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
  expected += std::string(
      "\x00\x00\x00\x16\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00",
      22);
  EXPECT_EQ(body, expected);
}

TEST(MessageCodecTest, PulledPropertiesAreSplitAsJavaDoes) {
  protocol::DecodedRecord record;
  record.topic = "T";
  const std::string body = "payload";
  record.body = std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
  record.queue_offset = QueueOffset(7);
  // An entry without \x01 is skipped, the last value of a key wins, the final \x02 may be
  // missing; TAGS and KEYS go to their fields, UNIQ_KEY becomes the message id.
  record.properties =
      "TAGS\x01TagA\x02junk\x02KEYS\x01k1 k2\x02p\x01v1\x02p\x01v2\x02UNIQ_KEY\x01ID1";
  MessageExt m = internal::ToMessageExt(record, "broker-a");
  EXPECT_EQ(m.tags, "TagA");
  EXPECT_EQ(m.keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(m.properties, (std::map<std::string, std::string>{{"p", "v2"}, {"UNIQ_KEY", "ID1"}}));
  EXPECT_EQ(m.msg_id, "ID1");
  EXPECT_EQ(m.body, "payload");
  EXPECT_EQ(m.queue, (MessageQueue{"T", "broker-a", 0}));
  EXPECT_EQ(m.queue_offset, QueueOffset(7));

  record.properties = "a\x01b\x02";
  EXPECT_EQ(internal::ToMessageExt(record, "broker-a").msg_id,
            internal::ToMessageExt(record, "broker-a").offset_msg_id);
}

TEST(MessageCodecTest, TagExpressionsParseLikeJava) {
  EXPECT_EQ(internal::ParseTagExpression("*"), std::vector<std::string>{});
  EXPECT_EQ(internal::ParseTagExpression(""), std::vector<std::string>{});
  EXPECT_EQ(internal::ParseTagExpression("TagA || TagB"),
            (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_TRUE(internal::TagMatches({"A", "B"}, "B"));
  EXPECT_FALSE(internal::TagMatches({"A", "B"}, "C"));
  EXPECT_FALSE(internal::TagMatches({"A"}, ""));
}

TEST(MessageCodecTest, UniqueIdsAreDistinctAndStartWithTheClientIp) {
  testing::ManualClock clock;
  protocol::UniqueKeyGenerator ids = internal::UniqueKeyGeneratorFor("10.1.2.3@x");
  const std::string a = ids.Next(clock.WallMillis());
  const std::string b = ids.Next(clock.WallMillis());
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 8), "0A010203");
}

TEST(MessageCodecTest, ANonIpv4ClientIdGivesUniqueIdsOfLoopback) {
  protocol::UniqueKeyGenerator ids = internal::UniqueKeyGeneratorFor("host-name@x");
  EXPECT_EQ(ids.Next(testing::ManualClock::kStartWallMillis).substr(0, 8), "7F000001");
}

TEST(MessageCodecTest, HeartbeatSubscriptionsCarryTheParsedTagsAndTheirHashCodes) {
  protocol::SubscriptionData tags = internal::ToSubscriptionData({"T", "TagA || TagB", 42});
  EXPECT_EQ(tags.topic, "T");
  EXPECT_EQ(tags.sub_string, "TagA || TagB");
  EXPECT_EQ(tags.tags_set, (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_EQ(tags.code_set, (std::vector<std::int32_t>{2598919, 2598920}));
  EXPECT_EQ(tags.sub_version, 42);
  protocol::SubscriptionData all = internal::ToSubscriptionData({"T", "A || *", 1});
  EXPECT_EQ(all.sub_string, "*");
  EXPECT_TRUE(all.tags_set.empty());
  EXPECT_TRUE(all.code_set.empty());
}

TEST(MessageCodecTest, ReservedPropertyKeysAreRefused) {
  Message m("T", "", "", "x");
  m.properties["UNIQ_KEY"] = "mine";
  EXPECT_EQ(internal::ValidateMessage(m, 100),
            InvalidArgumentError("the user property key UNIQ_KEY is reserved"));
}

}  // namespace
}  // namespace quiver::inline v1::client
