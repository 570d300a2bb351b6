#include "kernel/roles/broker/processing/topic_config_manager.h"

#include <gtest/gtest.h>

#include "quiver/testing/manual_clock.h"

namespace quiver::broker {
namespace {

TopicConfig Topic(const std::string& name, std::int32_t queues) {
  TopicConfig config;
  config.topic_name = name;
  config.read_queue_nums = config.write_queue_nums = queues;
  return config;
}

TEST(TopicConfigManagerTest, FindSharedHandsOutTheStoredConfigWithoutCopying) {
  testing::ManualClock clock;
  TopicConfigManager topics(clock);
  topics.Upsert(Topic("AVeryLongTopicNameThatDoesNotFitInline", 8));
  TopicConfigPtr first = topics.FindShared("AVeryLongTopicNameThatDoesNotFitInline");
  TopicConfigPtr second = topics.FindShared("AVeryLongTopicNameThatDoesNotFitInline");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(*first, Topic("AVeryLongTopicNameThatDoesNotFitInline", 8));
  EXPECT_EQ(topics.FindShared("Absent"), nullptr);
}

TEST(TopicConfigManagerTest, AnUpdateLeavesConfigsHandedOutUnchanged) {
  testing::ManualClock clock;
  TopicConfigManager topics(clock);
  topics.Upsert(Topic("Orders", 4));
  TopicConfigPtr before = topics.FindShared("Orders");
  ASSERT_TRUE(topics.Upsert(Topic("Orders", 16)));
  EXPECT_EQ(before->write_queue_nums, 4);
  EXPECT_EQ(topics.FindShared("Orders")->write_queue_nums, 16);
  EXPECT_EQ(topics.Find("Orders"), Topic("Orders", 16));
}

TEST(TopicConfigManagerTest, ChangeCountMovesOnEveryChangeEvenWhenALoadSetsTheVersionBack) {
  testing::ManualClock clock;
  TopicConfigManager topics(clock);
  std::string exported = topics.ExportJson();  // data version counter 0
  EXPECT_EQ(topics.change_count(), 0u);
  ASSERT_TRUE(topics.CreateIfAbsent(Topic("A", 1)).second);
  EXPECT_FALSE(topics.CreateIfAbsent(Topic("A", 2)).second);
  EXPECT_FALSE(topics.Upsert(Topic("A", 1)));
  EXPECT_EQ(topics.change_count(), 1u);
  ASSERT_TRUE(topics.LoadJson(exported).ok());
  EXPECT_EQ(topics.data_version().counter, 0);
  EXPECT_EQ(topics.change_count(), 2u);
  EXPECT_EQ(topics.FindShared("A"), nullptr);
}

}  // namespace
}  // namespace quiver::broker
