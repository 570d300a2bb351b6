#include "quiver/buffer.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

TEST(BufferTest, SliceSharesTheOwnerAndOutlivesTheOriginal) {
  Buffer slice;
  {
    Buffer whole = Buffer::FromString("hello world");
    slice = whole.Slice(6, 5);
  }
  EXPECT_EQ(slice.view(), "world");
}

TEST(BufferTest, OwnerIsReleasedWithTheLastReference) {
  auto owner = std::make_shared<std::string>("abc");
  std::weak_ptr<std::string> watch = owner;
  {
    Buffer b(owner, reinterpret_cast<const std::uint8_t*>(owner->data()), owner->size());
    owner.reset();
    EXPECT_FALSE(watch.expired());
    Buffer copy = b;
    EXPECT_EQ(copy.view(), "abc");
  }
  EXPECT_TRUE(watch.expired());
}

TEST(BufferListTest, KeepsPartsWithoutCopyingAndFlattensOnDemand) {
  Buffer a = Buffer::CopyOf(std::string_view("ab"));
  BufferList list;
  list.Append(a);
  list.Append(Buffer());  // empty parts are dropped
  list.Append(Buffer::CopyOf(std::string_view("cde")));
  EXPECT_EQ(list.size(), 5u);
  EXPECT_EQ(list.parts().size(), 2u);
  EXPECT_EQ(list.parts()[0].data(), a.data());
  EXPECT_EQ(list.ToString(), "abcde");
  EXPECT_EQ(list.Contiguous().view(), "abcde");
  EXPECT_EQ(BufferList(a).Contiguous().data(), a.data());
}

TEST(BufferDeathTest, SliceOutOfRangeAborts) {
  Buffer b = Buffer::FromString("abc");
  EXPECT_DEATH((void)b.Slice(2, 5), "check failed");
}

}  // namespace
}  // namespace quiver
