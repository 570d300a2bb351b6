#include "quiver/client/admin.h"

#include <gtest/gtest.h>

#include "quiver/protocol/codes.h"
#include "testing/fake_cluster.h"

namespace quiver::inline v1::client {
namespace {

using testing::FakeCluster;

TEST(AdminTest, CreateTopicInClusterGoesToEveryMaster) {
  FakeCluster cluster(2);
  Admin admin(cluster.NewRuntime());
  TopicConfig config;
  config.topic_name = "T";
  config.write_queue_nums = 3;
  auto updated = admin.CreateOrUpdateTopicInCluster("DefaultCluster", config);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(*updated, (std::vector<std::string>{"10.0.0.1:10911", "10.0.0.2:10911"}));
  EXPECT_EQ(cluster.broker(1).Topics().at("T"), 3);
  EXPECT_EQ(admin.CreateOrUpdateTopicInCluster("Nope", config).status(),
            NotFoundError("no cluster named Nope in the registry"));
}

TEST(AdminTest, TopicStatusAndConsumerProgress) {
  FakeCluster cluster(1);
  cluster.CreateTopic("T", 2);
  cluster.broker(0).Append("T", 0, "a");
  cluster.broker(0).Append("T", 0, "b");
  cluster.broker(0).SetCommittedOffset("CG", "T", 0, 1);
  Admin admin(cluster.NewRuntime());
  auto status = admin.GetTopicStatus("T");
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->size(), 2u);
  EXPECT_EQ((*status)[0].max_offset, 2);
  EXPECT_EQ((*status)[0].last_update_ms, testing::ManualClock::kStartWallMillis);
  EXPECT_EQ((*status)[1].last_update_ms, 0);
  auto progress = admin.GetConsumerProgress("CG", "");
  ASSERT_TRUE(progress.ok()) << progress.status();
  ASSERT_EQ(progress->size(), 2u);
  EXPECT_EQ((*progress)[0].diff(), 1);
}

TEST(AdminTest, BrokerRuntimeInfoIsTheKvTable) {
  FakeCluster cluster(1);
  cluster.broker(0).SetRuntimeInfo({{"putTps", "1.0 2.0"}, {"brokerVersionDesc", "V4_9_4"}});
  Admin admin(cluster.NewRuntime());
  auto table = admin.GetBrokerRuntimeInfo("10.0.0.1:10911");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->at("brokerVersionDesc"), "V4_9_4");
  EXPECT_EQ(admin.GetBrokerRuntimeInfo("10.9.9.9:1").status(),
            UnavailableError("10.9.9.9:1: connect to 10.9.9.9:1 failed"));
}

}  // namespace
}  // namespace quiver::inline v1::client
