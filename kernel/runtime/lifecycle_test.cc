#include "kernel/runtime/lifecycle.h"

#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::kernel {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Components that record their starts and stops in one journal.
class Journal {
 public:
  void AddTo(Lifecycle& lifecycle, const std::string& name, Status start_result = Status::Ok()) {
    lifecycle.Add(
        name,
        [this, name, start_result] {
          events_.push_back("start " + name);
          return start_result;
        },
        [this, name] { events_.push_back("stop " + name); });
  }
  const std::vector<std::string>& events() const { return events_; }

 private:
  std::vector<std::string> events_;
};

TEST(LifecycleTest, StartsInOrderAndStopsInReverse) {
  Journal journal;
  Lifecycle lifecycle;
  journal.AddTo(lifecycle, "store");
  journal.AddTo(lifecycle, "replicator");
  journal.AddTo(lifecycle, "listener");
  ASSERT_TRUE(lifecycle.StartAll().ok());
  EXPECT_THAT(lifecycle.Started(), ElementsAre("store", "replicator", "listener"));
  lifecycle.StopAll();
  EXPECT_THAT(journal.events(), ElementsAre("start store", "start replicator", "start listener",
                                            "stop listener", "stop replicator", "stop store"));
  EXPECT_THAT(lifecycle.Started(), IsEmpty());
}

TEST(LifecycleTest, AFailedStartStopsTheStartedOnesInReverseAndNamesTheComponent) {
  Journal journal;
  Lifecycle lifecycle;
  journal.AddTo(lifecycle, "store");
  journal.AddTo(lifecycle, "replicator");
  journal.AddTo(lifecycle, "transport.tcp listener",
                UnavailableError("cannot listen on 127.0.0.1:9876: address in use"));
  journal.AddTo(lifecycle, "registrar");
  EXPECT_EQ(lifecycle.StartAll(),
            UnavailableError("failed to start transport.tcp listener: cannot listen on "
                             "127.0.0.1:9876: address in use"));
  EXPECT_THAT(journal.events(),
              ElementsAre("start store", "start replicator", "start transport.tcp listener",
                          "stop replicator", "stop store"));
  EXPECT_THAT(lifecycle.Started(), IsEmpty());
}

TEST(LifecycleTest, StopAllIsIdempotentAndRunsFromTheDestructor) {
  Journal journal;
  {
    Lifecycle lifecycle;
    journal.AddTo(lifecycle, "a");
    journal.AddTo(lifecycle, "b");
    ASSERT_TRUE(lifecycle.StartAll().ok());
  }
  EXPECT_THAT(journal.events(), ElementsAre("start a", "start b", "stop b", "stop a"));
  Lifecycle lifecycle;
  journal.AddTo(lifecycle, "c");
  ASSERT_TRUE(lifecycle.StartAll().ok());
  lifecycle.StopAll();
  lifecycle.StopAll();
  EXPECT_EQ(journal.events().size(), 6u);
}

TEST(LifecycleTest, EmptyStepsAreSkipped) {
  Journal journal;
  Lifecycle lifecycle;
  lifecycle.Add("created only", nullptr, nullptr);
  journal.AddTo(lifecycle, "x");
  ASSERT_TRUE(lifecycle.StartAll().ok());
  EXPECT_THAT(lifecycle.Started(), ElementsAre("created only", "x"));
}

TEST(LifecycleTest, AThrowingStartIsAnInternalErrorAndRollsBack) {
  Journal journal;
  Lifecycle lifecycle;
  journal.AddTo(lifecycle, "a");
  lifecycle.Add(
      "thrower", []() -> Status { throw std::runtime_error("boom"); }, nullptr);
  EXPECT_EQ(lifecycle.StartAll(),
            InternalError("failed to start thrower: threw an exception: boom"));
  EXPECT_THAT(journal.events(), ElementsAre("start a", "stop a"));
}

TEST(LifecycleTest, AThrowingStopDoesNotKeepTheOthersFromStopping) {
  Journal journal;
  Lifecycle lifecycle;
  journal.AddTo(lifecycle, "a");
  lifecycle.Add("thrower", nullptr, [] { throw std::runtime_error("boom"); });
  ASSERT_TRUE(lifecycle.StartAll().ok());
  lifecycle.StopAll();
  EXPECT_THAT(journal.events(), ElementsAre("start a", "stop a"));
}

}  // namespace
}  // namespace quiver::kernel
