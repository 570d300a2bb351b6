#include "process_queue.h"

#include <gtest/gtest.h>

namespace quiver::inline v1::client::internal {
namespace {

MessageExt At(std::int64_t offset, std::string body = "xx") {
  MessageExt m;
  m.queue_offset = QueueOffset(offset);
  m.body = std::move(body);
  return m;
}

TEST(ProcessQueueTest, CommitOffsetStopsAtTheSmallestMessageStillInFlight) {
  ProcessQueue pq;
  pq.PutMessages({At(10), At(11), At(12), At(13)});
  EXPECT_EQ(pq.message_count(), 4u);
  EXPECT_EQ(pq.message_bytes(), 8u);
  // Later messages finish first: the offset stays at 10.
  EXPECT_EQ(pq.RemoveMessages({At(12)}), 10);
  EXPECT_EQ(pq.RemoveMessages({At(13)}), 10);
  EXPECT_EQ(pq.RemoveMessages({At(10)}), 11);
  EXPECT_EQ(pq.RemoveMessages({At(11)}), 14);  // empty: one past the largest ever put
  EXPECT_EQ(pq.message_count(), 0u);
  EXPECT_EQ(pq.message_bytes(), 0u);
  EXPECT_EQ(pq.RemoveMessages({At(11)}), -1);  // nothing held: nothing to commit
}

TEST(ProcessQueueTest, DuplicatePutIsIgnoredAndSpanIsMeasured) {
  ProcessQueue pq;
  pq.PutMessages({At(5), At(9)});
  pq.PutMessages({At(5)});
  EXPECT_EQ(pq.message_count(), 2u);
  EXPECT_EQ(pq.max_span(), 4);
  EXPECT_EQ(pq.max_offset(), 9);
}

TEST(ProcessQueueTest, OrderlyTakeCommitAndConsumeAgain) {
  ProcessQueue pq;
  EXPECT_TRUE(pq.PutMessages({At(3), At(1), At(2)}));  // starts a consume task
  EXPECT_FALSE(pq.PutMessages({At(4)}));               // the task is still running
  auto first = pq.TakeMessages(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].queue_offset.value(), 1);
  EXPECT_EQ(first[1].queue_offset.value(), 2);
  // Suspended: the batch goes back and is taken again, first.
  first[0].reconsume_times = 1;
  pq.MakeMessagesToConsumeAgain(first);
  auto again = pq.TakeMessages(2);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].queue_offset.value(), 1);
  EXPECT_EQ(again[0].reconsume_times, 1);
  EXPECT_EQ(pq.Commit(), 3);
  EXPECT_EQ(pq.message_count(), 2u);
  EXPECT_EQ(pq.TakeMessages(10).size(), 2u);
  EXPECT_EQ(pq.Commit(), 5);
  EXPECT_EQ(pq.Commit(), -1);
  EXPECT_TRUE(pq.TakeMessages(10).empty());  // ends the task
  EXPECT_TRUE(pq.PutMessages({At(5)}));      // so the next put starts one
}

}  // namespace
}  // namespace quiver::inline v1::client::internal
