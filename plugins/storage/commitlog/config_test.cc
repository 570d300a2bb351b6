#include "config.h"

#include <gtest/gtest.h>

#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using testing::MapConfigView;

TEST(ConfigTest, DefaultsMatchRocketMq) {
  MapConfigView view(std::map<std::string, std::string>{});
  auto c = ParseConfig(view);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->segment_size, 1ull << 30);
  EXPECT_EQ(c->flush, FlushMode::kAsync);
  EXPECT_EQ(c->flush_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c->flush_min_pages, 4);
  EXPECT_EQ(c->sync_flush_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->file_reserved_time, std::chrono::hours(72));
  EXPECT_EQ(c->delete_when_hour, 4);
  EXPECT_EQ(c->disk_max_used_ratio, 75);
  EXPECT_EQ(c->disk_force_clean_ratio, 85);
  EXPECT_EQ(c->consume_queue_entries_per_file, 300000);
  EXPECT_TRUE(c->check_crc_on_recover);
  EXPECT_EQ(c->sync_flush_gather, std::chrono::milliseconds(1));
}

TEST(ConfigTest, EveryKeyIsRead) {
  MapConfigView view(std::map<std::string, std::string>{{"segment_size", "4MiB"},
                                                        {"flush", "sync"},
                                                        {"flush_interval", "20ms"},
                                                        {"flush_min_pages", "0"},
                                                        {"sync_flush_timeout", "2s"},
                                                        {"file_reserved_time", "1h"},
                                                        {"delete_when", "13"},
                                                        {"disk_max_used_ratio", "90"},
                                                        {"disk_force_clean_ratio", "97"},
                                                        {"consume_queue_entries_per_file", "1000"},
                                                        {"check_crc_on_recover", "false"},
                                                        {"sync_flush_gather", "0ms"}});
  auto c = ParseConfig(view);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->segment_size, 4u << 20);
  EXPECT_EQ(c->flush, FlushMode::kSync);
  EXPECT_EQ(c->flush_interval, std::chrono::milliseconds(20));
  EXPECT_EQ(c->flush_min_pages, 0);
  EXPECT_EQ(c->sync_flush_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->file_reserved_time, std::chrono::hours(1));
  EXPECT_EQ(c->delete_when_hour, 13);
  EXPECT_EQ(c->disk_max_used_ratio, 90);
  EXPECT_EQ(c->disk_force_clean_ratio, 97);
  EXPECT_EQ(c->consume_queue_entries_per_file, 1000);
  EXPECT_FALSE(c->check_crc_on_recover);
  EXPECT_EQ(c->sync_flush_gather, Duration::zero());
}

TEST(ConfigTest, SyncFlushGatherIsADuration) {
  MapConfigView view(std::map<std::string, std::string>{{"sync_flush_gather", "yes"}});
  Status s = ParseConfig(view).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("sync_flush_gather"), std::string::npos) << s;
}

TEST(ConfigTest, BadFlushModeNamesTheKeyAndTheChoices) {
  MapConfigView view(std::map<std::string, std::string>{{"flush", "always"}});
  EXPECT_EQ(ParseConfig(view).status(),
            InvalidArgumentError("test.toml:1:1: storage.commitlog.flush: expected one of "
                                 "\"async\" | \"sync\", found \"always\""));
}

TEST(ConfigTest, DeleteWhenMustBeAnHour) {
  MapConfigView view(std::map<std::string, std::string>{{"delete_when", "25"}});
  EXPECT_EQ(ParseConfig(view).status(),
            InvalidArgumentError("test.toml:1:1: storage.commitlog.delete_when: expected an hour "
                                 "of the day from \"00\" to \"23\", found \"25\""));
}

TEST(ConfigTest, ForceCleanRatioBelowMaxUsedRatioIsRejected) {
  MapConfigView view(std::map<std::string, std::string>{{"disk_max_used_ratio", "80"},
                                                        {"disk_force_clean_ratio", "70"}});
  EXPECT_EQ(ParseConfig(view).status(),
            InvalidArgumentError("test.toml:1:1: storage.commitlog.disk_force_clean_ratio: must "
                                 "be at least disk_max_used_ratio (80), found 70"));
}

TEST(ConfigTest, ForceCleanRatioFollowsAHigherMaxUsedRatio) {
  MapConfigView view(std::map<std::string, std::string>{{"disk_max_used_ratio", "95"}});
  auto c = ParseConfig(view);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->disk_force_clean_ratio, 95);
}

TEST(ConfigTest, TinySegmentsAreRejected) {
  MapConfigView view(std::map<std::string, std::string>{{"segment_size", "1KiB"}});
  EXPECT_EQ(ParseConfig(view).status(),
            InvalidArgumentError("test.toml:1:1: storage.commitlog.segment_size: expected a size "
                                 "from 64KiB to 1024GiB"));
}

}  // namespace
}  // namespace quiver::storage::commitlog
