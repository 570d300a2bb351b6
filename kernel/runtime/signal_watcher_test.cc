#include "kernel/runtime/signal_watcher.h"

#include <csignal>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::kernel {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

class Received {
 public:
  void Add(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(what));
    cv_.notify_all();
  }
  std::vector<std::string> WaitFor(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

TEST(SignalWatcherTest, HangupReloadsAndTerminationStops) {
  Received received;
  SignalWatcher watcher({
      .stop =
          [&](int signal_number) {
            received.Add(signal_number == SIGTERM ? "stop SIGTERM" : "stop SIGINT");
          },
      .reload = [&] { received.Add("reload"); },
  });
  ASSERT_EQ(std::raise(SIGHUP), 0);
  ASSERT_EQ(received.WaitFor(1).size(), 1u);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  ASSERT_EQ(received.WaitFor(2).size(), 2u);
  ASSERT_EQ(std::raise(SIGINT), 0);
  EXPECT_THAT(received.WaitFor(3), ElementsAre("reload", "stop SIGTERM", "stop SIGINT"));
}

}  // namespace
}  // namespace quiver::kernel
