#include "local_offset_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace quiver::inline v1::client::internal {
namespace {

class LocalOffsetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quiver-offsets-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(LocalOffsetStoreTest, OffsetsSurviveAReloadFromTheFile) {
  LocalOffsetStore store(dir_.string(), "10.0.0.1@7", "CG");
  EXPECT_EQ(store.path(), dir_ / "10.0.0.1@7" / "CG" / "offsets.json");
  ASSERT_TRUE(store.Load().ok());  // no file yet
  store.Update(MessageQueue{"T", "broker-a", 0}, 42, false);
  store.Update(MessageQueue{"T", "broker-b", 3}, 7, false);
  store.Update(MessageQueue{"T", "broker-b", 3}, 5, /*increase_only=*/true);
  ASSERT_TRUE(store.Persist().ok());
  EXPECT_FALSE(std::filesystem::exists(store.path().string() + ".tmp"));

  LocalOffsetStore again(dir_.string(), "10.0.0.1@7", "CG");
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.Read(MessageQueue{"T", "broker-a", 0}), 42);
  EXPECT_EQ(again.Read(MessageQueue{"T", "broker-b", 3}), 7);
  EXPECT_EQ(again.Read(MessageQueue{"T", "broker-b", 1}), std::nullopt);
}

TEST_F(LocalOffsetStoreTest, CorruptFileIsAClearErrorNamingTheFile) {
  LocalOffsetStore store(dir_.string(), "c", "CG");
  std::filesystem::create_directories(store.path().parent_path());
  std::ofstream(store.path()) << "{\"offsetTable\": [ {\"topic\": \"T\"";
  Status s = store.Load();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(store.path().string() + ": not a Quiver offsets file (JSON error"),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("delete it to start the group's queues afresh"), std::string::npos);

  std::ofstream(store.path()) << "{\"offsetTable\": [{\"topic\": \"T\"}]}";
  s = store.Load();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("an entry lacks topic, brokerName, queueId or offset"),
            std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace quiver::inline v1::client::internal
