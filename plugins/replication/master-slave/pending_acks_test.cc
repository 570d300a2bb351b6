#include "pending_acks.h"

#include <gtest/gtest.h>

namespace quiver::replication::master_slave {
namespace {

PendingAcks::Entry At(std::int64_t end, TimePoint deadline, std::vector<std::int64_t>* log) {
  PendingAcks::Entry e;
  e.end_offset = end;
  e.deadline = deadline;
  e.done = [log, end](StatusOr<ReplicatedAppend>) { log->push_back(end); };
  return e;
}

TEST(PendingAcksTest, AnAckCompletesEveryEntryItCoversInOffsetOrder) {
  PendingAcks pending;
  std::vector<std::int64_t> log;
  TimePoint t{};
  EXPECT_FALSE(pending.Add(At(300, t, &log)));
  EXPECT_FALSE(pending.Add(At(100, t, &log)));
  EXPECT_FALSE(pending.Add(At(200, t, &log)));
  auto done = pending.Ack(199);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].end_offset, 100);
  done = pending.Ack(300);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].end_offset, 200);
  EXPECT_EQ(done[1].end_offset, 300);
  EXPECT_EQ(pending.size(), 0u);
}

TEST(PendingAcksTest, AnEntryAlreadyAcknowledgedComesBackAtOnce) {
  PendingAcks pending;
  std::vector<std::int64_t> log;
  pending.Ack(500);
  EXPECT_TRUE(pending.Add(At(400, TimePoint{}, &log)).has_value());
  EXPECT_FALSE(pending.Add(At(600, TimePoint{}, &log)).has_value());
  // An older (smaller) ack never moves the acknowledged offset back.
  pending.Ack(10);
  EXPECT_EQ(pending.acked_offset(), 500);
}

TEST(PendingAcksTest, ExpireTakesOnlyEntriesPastTheirDeadline) {
  PendingAcks pending;
  std::vector<std::int64_t> log;
  TimePoint t0{};
  pending.Add(At(100, t0 + std::chrono::seconds(1), &log));
  pending.Add(At(200, t0 + std::chrono::seconds(3), &log));
  EXPECT_TRUE(pending.Expire(t0).empty());
  auto expired = pending.Expire(t0 + std::chrono::seconds(2));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].end_offset, 100);
  EXPECT_EQ(pending.TakeAll().size(), 1u);
  EXPECT_EQ(pending.size(), 0u);
}

}  // namespace
}  // namespace quiver::replication::master_slave
