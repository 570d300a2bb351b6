#include "body_crc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "quiver/protocol/message_record.h"

namespace quiver::storage::commitlog {
namespace {

// The fast path must give exactly the SDK's (zlib's) value at every length and alignment:
// a mismatch would make recovery cut valid records as corrupt.
TEST(CommitLogBodyCrcTest, MatchesTheSdkAtEveryLengthAndAlignment) {
  const std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> bytes(4096 + 16);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  for (std::size_t align = 0; align < 16; align += 5) {
    for (std::size_t len = 0; len <= 2100; ++len) {
      std::span<const std::uint8_t> body(bytes.data() + align, len);
      ASSERT_EQ(BodyCrc(body), protocol::BodyCrc(body)) << "length " << len << " align " << align;
    }
  }
  std::span<const std::uint8_t> all(bytes.data(), 4096);
  EXPECT_EQ(BodyCrc(all), protocol::BodyCrc(all));
}

TEST(CommitLogBodyCrcTest, KnownValue) {
  // crc32("123456789") = 0xCBF43926 (the CRC-32 check value); the top bit is cleared.
  std::vector<std::uint8_t> text;
  for (int i = 0; i < 8; ++i) {
    for (char c : std::string("123456789")) text.push_back(static_cast<std::uint8_t>(c));
  }
  EXPECT_EQ(BodyCrc(std::span<const std::uint8_t>(text.data(), 9)), 0x4BF43926);
  EXPECT_EQ(BodyCrc(text), protocol::BodyCrc(text));
}

}  // namespace
}  // namespace quiver::storage::commitlog
