// A full disk must be an error to the appender (never a SIGBUS, never a silently dropped
// message). Needs root to mount a small tmpfs; skipped otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store.h"
#include "testing/recovery_helpers.h"
#include "testing/store_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;

class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& dir) : dir_(dir) {
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=8m") == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST(DiskFullTest, AppendsFailWithResourceExhaustedAndEarlierMessagesSurvive) {
  TempDir dir;
  SmallTmpfs fs8m(dir.path());
  if (!fs8m.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (" << fs8m.error() << "); needs root";
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "sync"}});
  auto store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  int stored = 0;
  Status failure;
  for (int i = 0; i < 20000; ++i) {
    auto r =
        AppendOne(*store, MakeMessage("Full", 0, "m" + std::to_string(i) + std::string(2000, '.')));
    if (!r.ok()) {
      failure = r.status();
      break;
    }
    ++stored;
  }
  ASSERT_FALSE(failure.ok()) << "8 MiB never filled up";
  EXPECT_EQ(failure.code(), StatusCode::kResourceExhausted) << failure;
  EXPECT_NE(failure.message().find("disk full"), std::string::npos) << failure;
  // Still readable, still failing cleanly, and recoverable after a restart.
  EXPECT_EQ(store->MaxOffset("Full", QueueId(0)), QueueOffset(stored));
  EXPECT_EQ(AppendOne(*store, MakeMessage("Full", 0, std::string(2000, 'x'))).status().code(),
            StatusCode::kResourceExhausted);
  store->Close();
  store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->MaxOffset("Full", QueueId(0)), QueueOffset(stored));
  store->Close();
}

}  // namespace
}  // namespace quiver::storage::commitlog
