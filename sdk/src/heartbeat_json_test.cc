#include "quiver/protocol/heartbeat_json.h"

#include <gtest/gtest.h>

namespace quiver::protocol {
namespace {

TEST(HeartbeatJsonTest, TagSubscriptionSplitsTagsAndHashesThem) {
  SubscriptionData sub = BuildTagSubscription("T", " TagA || TagB ||  || TagA", 42);
  EXPECT_EQ(sub.topic, "T");
  EXPECT_EQ(sub.tags_set, (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_EQ(sub.code_set, (std::vector<std::int32_t>{2598919, 2598920}));
  EXPECT_EQ(sub.sub_version, 42);
  EXPECT_FALSE(SubscribesAll(sub));
}

TEST(HeartbeatJsonTest, StarOrEmptyExpressionSubscribesAll) {
  EXPECT_TRUE(SubscribesAll(BuildTagSubscription("T", "*", 1)));
  SubscriptionData empty = BuildTagSubscription("T", "", 1);
  EXPECT_TRUE(SubscribesAll(empty));
  EXPECT_EQ(empty.sub_string, "*");
  EXPECT_TRUE(empty.tags_set.empty());
}

TEST(HeartbeatJsonTest, HeartbeatRoundTrips) {
  HeartbeatData data;
  data.client_id = "10.0.0.9@12345";
  data.producer_data_set = {{"PG"}, {"CLIENT_INNER_PRODUCER"}};
  ConsumerData consumer;
  consumer.group_name = "CG";
  consumer.consume_from_where = std::string(kConsumeFromFirstOffset);
  consumer.subscription_data_set = {BuildTagSubscription("T", "TagA || TagB", 7),
                                    BuildTagSubscription("%RETRY%CG", "*", 8)};
  data.consumer_data_set = {consumer};
  auto decoded = DecodeHeartbeatData(EncodeHeartbeatData(data));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, data);
}

TEST(HeartbeatJsonTest, AliOnsHeartbeatWithoutExpressionTypeDecodes) {
  auto decoded = DecodeHeartbeatData(
      R"({"clientID":"192.0.2.2@16725","consumerDataSet":[{"groupName":"g",)"
      R"("consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",)"
      R"("consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":[{"topic":)"
      R"("DemoTopic","subString":"TagA","classFilterMode":false,"tagsSet":["TagA"],)"
      R"("codeSet":[2598919],"subVersion":1795640356629}]}],"producerDataSet":[],)"
      R"("unknownField":{"x":1}})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->consumer_data_set.size(), 1u);
  const SubscriptionData& sub = decoded->consumer_data_set[0].subscription_data_set.at(0);
  EXPECT_EQ(sub.expression_type, "TAG");
  EXPECT_EQ(sub.code_set, (std::vector<std::int32_t>{2598919}));
  EXPECT_EQ(sub.sub_version, 1795640356629);
}

TEST(HeartbeatJsonTest, WrongFieldTypeIsRejectedNamingTheField) {
  EXPECT_EQ(
      DecodeHeartbeatData(R"({"clientID":"c","consumerDataSet":[{"groupName":"g",)"
                          R"("subscriptionDataSet":[{"topic":5}]}]})")
          .status(),
      InvalidArgumentError("heartbeat JSON field "
                           "consumerDataSet[0].subscriptionDataSet[0].topic is not a string"));
  EXPECT_EQ(DecodeHeartbeatData("{nope").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeHeartbeatData("[]").status(),
            InvalidArgumentError("heartbeat body is not a JSON object"));
}

TEST(HeartbeatJsonTest, ConsumerIdListRoundTrips) {
  std::vector<std::string> ids{"a@1", "b@2"};
  EXPECT_EQ(EncodeConsumerIdList(ids), R"({"consumerIdList":["a@1","b@2"]})");
  auto decoded = DecodeConsumerIdList(EncodeConsumerIdList(ids));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, ids);
}

}  // namespace
}  // namespace quiver::protocol
