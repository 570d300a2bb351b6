#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <ctime>
#include <filesystem>

#include "store.h"
#include "testing/recovery_helpers.h"
#include "testing/store_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// Wall time (ms) of today's `hour`:30 local time.
std::int64_t AtHour(int hour) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  local.tm_hour = hour;
  local.tm_min = 30;
  local.tm_sec = 0;
  return static_cast<std::int64_t>(std::mktime(&local)) * 1000;
}

void SetMtime(const std::string& path, std::int64_t ms) {
  struct utimbuf t {};
  t.actime = t.modtime = static_cast<std::time_t>(ms / 1000);
  ASSERT_EQ(::utime(path.c_str(), &t), 0);
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<TestEnv>(
        dir_.path(), std::map<std::string, std::string>{{"segment_size", "64KiB"},
                                                        {"consume_queue_entries_per_file", "32"},
                                                        {"file_reserved_time", "1h"},
                                                        {"delete_when", "04"}});
    store_ = MustOpen(*env_);
    for (int i = 0; i < 250; ++i) {  // ~4 segments of 64 KiB
      auto r = AppendOne(*store_, MakeMessage("Ret", 0, std::string(1000, 'r')));
      ASSERT_TRUE(r.ok());
      results_.push_back(r->results[0]);
    }
    segments_ = std::vector<fs::path>();
    // Segments only: the preparer's spare (<offset>.tmp) may come and go meanwhile.
    for (const auto& e : fs::directory_iterator(dir_.path() + "/commitlog")) {
      if (e.path().extension() != ".tmp") segments_.push_back(e.path());
    }
    std::sort(segments_.begin(), segments_.end());
    ASSERT_GE(segments_.size(), 4u);
  }

  TempDir dir_;
  std::unique_ptr<TestEnv> env_;
  std::unique_ptr<CommitLogStore> store_;
  std::vector<AppendResult> results_;
  std::vector<fs::path> segments_;

  // Every segment looks freshly written at `now_ms`.
  void TouchAll(std::int64_t now_ms) {
    for (const auto& p : segments_) SetMtime(p, now_ms);
  }
};

TEST_F(RetentionTest, ExpiredSegmentsGoAtTheDeleteHourOnly) {
  const std::int64_t now = AtHour(4);
  TouchAll(now);
  SetMtime(segments_[0], now - 2 * 3600 * 1000);              // expired
  SetMtime(segments_[1], now - 2 * 3600 * 1000);              // expired
  EXPECT_EQ(store_->RunRetention(now + 3600 * 1000, 10), 0);  // 05:30: not the delete hour
  EXPECT_EQ(store_->RunRetention(now, 10), 2);
  EXPECT_FALSE(fs::exists(segments_[0]));
  EXPECT_FALSE(fs::exists(segments_[1]));
  EXPECT_TRUE(fs::exists(segments_[2]));
  EXPECT_EQ(store_->Stats().min_physical_offset, CommitLogOffset(2 * 65536));
  // The consume queue now starts at the first message of the third segment.
  QueueOffset min = store_->MinOffset("Ret", QueueId(0));
  EXPECT_GE(results_[min.value()].physical_offset.value(), 2 * 65536);
  EXPECT_LT(results_[min.value() - 1].physical_offset.value(), 2 * 65536);
  ReadRequest req;
  req.topic = "Ret";
  req.offset = QueueOffset(0);
  EXPECT_EQ(store_->Read(req)->status, ReadStatus::kOffsetTooSmall);
  EXPECT_EQ(store_->Read(req)->next_offset, min);
  // Consume-queue files wholly below the new min are gone (32 entries per file).
  EXPECT_FALSE(fs::exists(dir_.path() + "/consumequeue/Ret/0/00000000000000000000"));
  EXPECT_EQ(store_->ReadRaw(CommitLogOffset(0), 100).status().code(), StatusCode::kOutOfRange);
}

TEST_F(RetentionTest, AFullDiskDeletesTheOldestSegmentWhateverItsAge) {
  TouchAll(AtHour(12));
  EXPECT_EQ(store_->RunRetention(AtHour(12), 50), 0);  // below disk_max_used_ratio
  EXPECT_EQ(store_->RunRetention(AtHour(12), 80), 0);  // busy, but nothing has expired
  EXPECT_EQ(store_->RunRetention(AtHour(12), 90), 1);  // above disk_force_clean_ratio
  EXPECT_FALSE(fs::exists(segments_[0]));
  EXPECT_TRUE(fs::exists(segments_[1]));
}

TEST_F(RetentionTest, ABusyDiskDeletesExpiredSegmentsOutsideTheDeleteHour) {
  const std::int64_t noon = AtHour(12);
  TouchAll(noon - 73LL * 3600 * 1000);  // older than the 72 h default
  EXPECT_EQ(store_->RunRetention(noon, 50), 0);  // not the delete hour, disk not busy
  EXPECT_GE(store_->RunRetention(noon, 80), 1);
  EXPECT_FALSE(fs::exists(segments_[0]));
}

TEST_F(RetentionTest, TheActiveSegmentIsNeverDeleted) {
  for (int i = 0; i < 10; ++i) store_->RunRetention(AtHour(12), 99);
  EXPECT_EQ(store_->Stats().min_physical_offset.value() / 65536,
            store_->Stats().max_physical_offset.value() / 65536);
  EXPECT_TRUE(AppendOne(*store_, MakeMessage("Ret", 0, "still writable")).ok());
}

TEST_F(RetentionTest, ASegmentHeldByAReaderIsKeptUntilReleased) {
  ReadRequest req;
  req.topic = "Ret";
  req.offset = QueueOffset(0);
  req.max_messages = 1;
  TouchAll(AtHour(12));
  auto held = store_->Read(req);
  ASSERT_EQ(held->records.size(), 1u);
  EXPECT_EQ(store_->RunRetention(AtHour(12), 99), 0);
  EXPECT_TRUE(fs::exists(segments_[0]));
  std::string before(held->records[0].view());
  held->records.clear();
  EXPECT_EQ(store_->RunRetention(AtHour(12), 99), 1);
  EXPECT_FALSE(fs::exists(segments_[0]));
}

}  // namespace
}  // namespace quiver::storage::commitlog
