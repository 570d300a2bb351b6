#include "quiver/units.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(UnitsTest, ParsesEveryDurationUnit) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("2m"), minutes(2));
  EXPECT_EQ(*ParseDuration("72h"), hours(72));
  EXPECT_EQ(*ParseDuration("0s"), seconds(0));
}

TEST(UnitsTest, RejectsDurationsWithoutExactlyOneKnownUnit) {
  for (const char* bad : {"30", "30 s", "s", "-1s", "1.5s", "30sec", "1d", "", "99999999999999h"}) {
    StatusOr<Duration> d = ParseDuration(bad);
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(d.status().message().find("ms, s, m, h"), std::string::npos) << bad;
  }
}

TEST(UnitsTest, ParsesEverySizeUnit) {
  EXPECT_EQ(*ParseSize("512B"), 512u);
  EXPECT_EQ(*ParseSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseSize("16MiB"), 16u << 20);
  EXPECT_EQ(*ParseSize("1GiB"), 1u << 30);
}

TEST(UnitsTest, RejectsDecimalAndMissingSizeUnits) {
  for (const char* bad : {"4MB", "4mib", "4", "MiB", "4 MiB", "-4MiB"}) {
    EXPECT_EQ(ParseSize(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(UnitsTest, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(FormatDuration(milliseconds(30000)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(hours(2)), "2h");
  EXPECT_EQ(FormatSize(4u << 20), "4MiB");
  EXPECT_EQ(FormatSize(1000), "1000B");
}

}  // namespace
}  // namespace quiver
