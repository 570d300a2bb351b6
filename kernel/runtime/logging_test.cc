#include "kernel/runtime/logging.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

namespace quiver::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class LogRegistryTest : public ::testing::Test {
 protected:
  LogRegistryTest() : logs_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {}
  std::ostringstream out_;
  LogRegistry logs_;
};

TEST_F(LogRegistryTest, LinesCarryTimeLoggerNameAndLevel) {
  logs_.Get("storage.commitlog")->info("opened {} segments", 3);
  EXPECT_THAT(out_.str(), MatchesRegex("\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+\\] "
                                       "\\[storage\\.commitlog\\] \\[info\\] opened 3 segments\n"));
}

TEST_F(LogRegistryTest, OneLoggerPerName) {
  EXPECT_EQ(logs_.Get("kernel"), logs_.Get("kernel"));
  EXPECT_NE(logs_.Get("kernel"), logs_.Get("transport.tcp"));
}

TEST_F(LogRegistryTest, SetLevelAppliesToExistingAndFutureLoggers) {
  auto before = logs_.Get("kernel");
  ASSERT_TRUE(logs_.SetLevel("warn").ok());
  auto after = logs_.Get("registry.nameserver");
  before->info("hidden");
  after->info("hidden too");
  after->warn("shown");
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr("hidden")));
  EXPECT_THAT(out_.str(), HasSubstr("[registry.nameserver] [warning] shown"));
  ASSERT_TRUE(logs_.SetLevel("debug").ok());
  before->debug("now visible");
  EXPECT_THAT(out_.str(), HasSubstr("[kernel] [debug] now visible"));
}

TEST_F(LogRegistryTest, UnknownLevelIsRejectedAndTheLevelStays) {
  EXPECT_EQ(logs_.SetLevel("loud"),
            InvalidArgumentError("expected a log level \"trace\" | \"debug\" | \"info\" | "
                                 "\"warn\" | \"error\", found \"loud\""));
  EXPECT_EQ(logs_.level(), spdlog::level::info);
}

TEST(ParseLogLevelTest, AcceptsTheFiveNames) {
  EXPECT_EQ(*ParseLogLevel("trace"), spdlog::level::trace);
  EXPECT_EQ(*ParseLogLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(*ParseLogLevel("info"), spdlog::level::info);
  EXPECT_EQ(*ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(*ParseLogLevel("error"), spdlog::level::err);
  EXPECT_FALSE(ParseLogLevel("warning").ok());
}

}  // namespace
}  // namespace quiver::kernel
