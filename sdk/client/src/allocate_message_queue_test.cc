#include "allocate_message_queue.h"

#include <gtest/gtest.h>

#include <set>

namespace quiver::inline v1::client::internal {
namespace {

std::vector<MessageQueue> Queues(int n) {
  std::vector<MessageQueue> out;
  // Sorted as the consumer sorts them: by broker name, then queue id.
  for (int i = 0; i < n; ++i) {
    out.push_back(
        MessageQueue{"T", std::string("broker-") + static_cast<char>('a' + i / 4), i % 4});
  }
  return out;
}

std::vector<std::string> Consumers(int c) {
  std::vector<std::string> out;
  for (int i = 0; i < c; ++i) out.push_back("10.0.0.1@" + std::to_string(i));
  return out;
}

// Positions of the allocated queues in `all`.
std::vector<int> Indexes(const std::vector<MessageQueue>& all,
                         const std::vector<MessageQueue>& mine) {
  std::vector<int> out;
  for (const MessageQueue& mq : mine) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i] == mq) out.push_back(static_cast<int>(i));
    }
  }
  return out;
}

TEST(AllocateMessageQueueTest, AveragelyMatchesRocketMqForEightQueuesAndThreeConsumers) {
  auto all = Queues(8);
  auto cids = Consumers(3);
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[0], all, cids)), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[1], all, cids)), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[2], all, cids)), (std::vector<int>{6, 7}));
}

TEST(AllocateMessageQueueTest, AveragelyMatchesRocketMqForTenQueuesAndFourConsumers) {
  // RocketMQ: mod = 2, the first two take 3, the others 2, in contiguous blocks.
  auto all = Queues(10);
  auto cids = Consumers(4);
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[0], all, cids)), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[1], all, cids)), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[2], all, cids)), (std::vector<int>{6, 7}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[3], all, cids)), (std::vector<int>{8, 9}));
}

TEST(AllocateMessageQueueTest, AveragelyGivesNothingToConsumersBeyondTheQueueCount) {
  auto all = Queues(2);
  auto cids = Consumers(3);
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[0], all, cids)), (std::vector<int>{0}));
  EXPECT_EQ(Indexes(all, AllocateAveragely(cids[1], all, cids)), (std::vector<int>{1}));
  EXPECT_TRUE(AllocateAveragely(cids[2], all, cids).empty());
}

TEST(AllocateMessageQueueTest, ByCircleDealsQueuesRoundRobin) {
  auto all = Queues(8);
  auto cids = Consumers(3);
  EXPECT_EQ(Indexes(all, AllocateByCircle(cids[0], all, cids)), (std::vector<int>{0, 3, 6}));
  EXPECT_EQ(Indexes(all, AllocateByCircle(cids[1], all, cids)), (std::vector<int>{1, 4, 7}));
  EXPECT_EQ(Indexes(all, AllocateByCircle(cids[2], all, cids)), (std::vector<int>{2, 5}));
}

TEST(AllocateMessageQueueTest, UnknownConsumerOrNoQueuesGetsNothing) {
  auto all = Queues(8);
  auto cids = Consumers(3);
  EXPECT_TRUE(AllocateAveragely("10.0.0.9@9", all, cids).empty());
  EXPECT_TRUE(AllocateByCircle("10.0.0.9@9", all, cids).empty());
  EXPECT_TRUE(AllocateAveragely(cids[0], {}, cids).empty());
  EXPECT_TRUE(AllocateByCircle(cids[0], {}, cids).empty());
}

TEST(AllocateMessageQueueTest, BothStrategiesPartitionEveryQueueExactlyOnce) {
  for (int n = 0; n <= 17; ++n) {
    for (int c = 1; c <= 6; ++c) {
      auto all = Queues(n);
      auto cids = Consumers(c);
      for (auto allocate : {&AllocateAveragely, &AllocateByCircle}) {
        std::multiset<MessageQueue> seen;
        for (const std::string& cid : cids) {
          for (const MessageQueue& mq : allocate(cid, all, cids)) seen.insert(mq);
        }
        EXPECT_EQ(seen.size(), all.size()) << "n=" << n << " c=" << c;
        for (const MessageQueue& mq : all) EXPECT_EQ(seen.count(mq), 1u) << "n=" << n << " c=" << c;
      }
    }
  }
}

}  // namespace
}  // namespace quiver::inline v1::client::internal
