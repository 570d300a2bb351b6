#include "ha_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace quiver::replication::master_slave {
namespace {

using ::testing::HasSubstr;

TEST(HaProtocolTest, ReportsRoundTripAndOnlyTheLastCompleteOneCounts) {
  ReportDecoder decoder;
  auto a = EncodeReport(5);
  auto b = EncodeReport(0x0102030405060708LL);
  std::vector<std::uint8_t> bytes(a.begin(), a.end());
  bytes.insert(bytes.end(), b.begin(), b.begin() + 3);  // a partial second report
  auto first = decoder.Feed(bytes);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->value(), 5);
  auto rest = decoder.Feed({b.data() + 3, b.size() - 3});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->value(), 0x0102030405060708LL);
  EXPECT_FALSE(decoder.Feed({b.data(), 7})->has_value());
}

TEST(HaProtocolTest, NegativeReportIsAnError) {
  ReportDecoder decoder;
  auto r = EncodeReport(-1);
  EXPECT_EQ(decoder.Feed(r).status().code(), StatusCode::kInvalidArgument);
}

TEST(HaProtocolTest, TransferFramesSplitAnywhereDecodeTheSame) {
  std::vector<std::uint8_t> stream;
  auto h1 = EncodeTransferHeader(100, 3);
  stream.insert(stream.end(), h1.begin(), h1.end());
  stream.insert(stream.end(), {1, 2, 3});
  auto h2 = EncodeTransferHeader(103, 0);  // heartbeat
  stream.insert(stream.end(), h2.begin(), h2.end());
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    TransferDecoder decoder(1024);
    std::vector<TransferFrame> frames;
    ASSERT_TRUE(decoder.Feed({stream.data(), split}, frames).ok());
    ASSERT_TRUE(decoder.Feed({stream.data() + split, stream.size() - split}, frames).ok());
    ASSERT_EQ(frames.size(), 2u) << "split at " << split;
    EXPECT_EQ(frames[0].offset, 100);
    EXPECT_EQ(frames[0].body, (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(frames[1].offset, 103);
    EXPECT_TRUE(frames[1].body.empty());
  }
}

TEST(HaProtocolTest, OversizedOrNegativeFramesAreRefusedAndTheDecoderStaysFailed) {
  TransferDecoder decoder(16);
  std::vector<TransferFrame> frames;
  auto big = EncodeTransferHeader(0, 17);
  Status s = decoder.Feed(big, frames);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("body size 17 (the limit is 16 bytes)"));
  EXPECT_FALSE(decoder.Feed(EncodeTransferHeader(0, 1), frames).ok());
  TransferDecoder negative(16);
  EXPECT_FALSE(negative.Feed(EncodeTransferHeader(-5, 1), frames).ok());
  EXPECT_FALSE(TransferDecoder(16).Feed(EncodeTransferHeader(0, -1), frames).ok());
  EXPECT_TRUE(frames.empty());
}

TEST(HaProtocolTest, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint8_t> junk(rng() % 64);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    TransferDecoder decoder(32);
    std::vector<TransferFrame> frames;
    Status s = decoder.Feed(junk, frames);
    for (const TransferFrame& f : frames) {
      EXPECT_GE(f.offset, 0);
      EXPECT_LE(f.body.size(), 32u);
    }
    (void)s;
    ReportDecoder reports;
    auto r = reports.Feed(junk);
    if (r.ok() && r->has_value()) {
      EXPECT_GE(**r, 0);
    }
  }
}

}  // namespace
}  // namespace quiver::replication::master_slave
