#include "quiver/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace quiver {
namespace {

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeNameAndMessage) {
  Status s = NotFoundError("no plugin quiver-storage-x.so");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: no plugin quiver-storage-x.so");
}

TEST(StatusTest, WithContextPrefixesErrorsAndKeepsOk) {
  EXPECT_EQ(DataLossError("bad crc").WithContext("segment 3").message(), "segment 3: bad crc");
  EXPECT_TRUE(Status().WithContext("ignored").ok());
}

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Status Quarter(int x, int& out) {
  QUIVER_ASSIGN_OR_RETURN(int half, Half(x));
  QUIVER_ASSIGN_OR_RETURN(out, Half(half));
  return Status();
}

TEST(StatusOrTest, AssignOrReturnPropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd");
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternalError) {
  StatusOr<int> v = Status();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, HoldsMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> v = std::make_unique<int>(7);
  ASSERT_TRUE(v.ok());
  std::unique_ptr<int> p = std::move(v).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusOrDeathTest, ValueOfErrorAbortsWithTheError) {
  StatusOr<int> v = UnavailableError("broker down");
  EXPECT_DEATH((void)v.value(), "broker down");
}

}  // namespace
}  // namespace quiver
