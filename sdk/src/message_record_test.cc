#include "quiver/protocol/message_record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <random>
#include <vector>

namespace quiver {
namespace protocol {
namespace {

Message SampleMessage() {
  Message m;
  m.topic = "T";
  m.queue_id = QueueId(3);
  m.flag = 7;
  m.born_timestamp_ms = 0x0102030405060708;
  m.born_host = HostAddress{{127, 0, 0, 1}, 1234};
  m.store_host = HostAddress{{10, 0, 0, 1}, 10911};
  m.reconsume_times = 2;
  m.properties = std::string(
      "TAGS\x01"
      "A\x02",
      7);
  m.body = Buffer::CopyOf(std::string_view("ab"));
  return m;
}

// The record of SampleMessage() at physical offset 1000, queue offset 5, store time 99,
// written out field by field from rocketmq-protocol.md §4.1.
const std::vector<std::uint8_t> kSampleRecord = {
    0x00, 0x00, 0x00, 0x65,                           // TOTALSIZE 101
    0xDA, 0xA3, 0x20, 0xA7,                           // MAGICCODE V1
    0x1E, 0x83, 0x48, 0x6D,                           // BODYCRC crc32("ab") & 0x7FFFFFFF
    0x00, 0x00, 0x00, 0x03,                           // QUEUEID
    0x00, 0x00, 0x00, 0x07,                           // FLAG
    0,    0,    0,    0,    0,   0,   0,    5,        // QUEUEOFFSET
    0,    0,    0,    0,    0,   0,   0x03, 0xE8,     // PHYSICALOFFSET 1000
    0,    0,    0,    0,                              // SYSFLAG
    1,    2,    3,    4,    5,   6,   7,    8,        // BORNTIMESTAMP
    127,  0,    0,    1,    0,   0,   0x04, 0xD2,     // BORNHOST 127.0.0.1:1234
    0,    0,    0,    0,    0,   0,   0,    99,       // STORETIMESTAMP
    10,   0,    0,    1,    0,   0,   0x2A, 0x9F,     // STOREHOST 10.0.0.1:10911
    0,    0,    0,    2,                              // RECONSUMETIMES
    0,    0,    0,    0,    0,   0,   0,    0,        // PREPARED TX OFFSET
    0,    0,    0,    2,    'a', 'b',                 // BODYLEN + BODY
    1,    'T',                                        // TOPICLEN + TOPIC
    0,    7,    'T',  'A',  'G', 'S', 1,    'A',  2,  // PROPERTIESLEN + PROPERTIES
};

TEST(MessageRecordTest, EncodesTheRocketMqLayoutByteForByte) {
  Message m = SampleMessage();
  ASSERT_EQ(EncodedRecordSize(m).value(), kSampleRecord.size());
  std::vector<std::uint8_t> out(kSampleRecord.size());
  EXPECT_EQ(EncodeRecord(m, CommitLogOffset(1000), QueueOffset(5), 99, out.data()),
            kSampleRecord.size());
  EXPECT_EQ(out, kSampleRecord);
}

TEST(MessageRecordTest, DecodesEveryFieldOfAHandWrittenRecord) {
  auto d = DecodeRecord(kSampleRecord);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->total_size, 101);
  EXPECT_EQ(d->magic, kMessageMagicV1);
  EXPECT_EQ(d->queue_id, QueueId(3));
  EXPECT_EQ(d->flag, 7);
  EXPECT_EQ(d->queue_offset, QueueOffset(5));
  EXPECT_EQ(d->physical_offset, CommitLogOffset(1000));
  EXPECT_EQ(d->born_timestamp_ms, 0x0102030405060708);
  EXPECT_EQ(d->born_host.ip, (std::vector<std::uint8_t>{127, 0, 0, 1}));
  EXPECT_EQ(d->born_host.port, 1234);
  EXPECT_EQ(d->store_timestamp_ms, 99);
  EXPECT_EQ(d->store_host.port, 10911);
  EXPECT_EQ(d->reconsume_times, 2);
  EXPECT_EQ(std::string(d->body.begin(), d->body.end()), "ab");
  EXPECT_EQ(d->topic, "T");
  EXPECT_EQ(d->properties, std::string_view("TAGS\x01"
                                            "A\x02",
                                            7));
}

TEST(MessageRecordTest, Ipv6HostsSetTheSysFlagBitsAndTakeTwentyBytes) {
  Message m = SampleMessage();
  m.born_host.ip.assign(16, 0xAB);
  m.store_host.ip.assign(16, 0xCD);
  ASSERT_EQ(EncodedRecordSize(m).value(), kSampleRecord.size() + 24);
  std::vector<std::uint8_t> out(EncodedRecordSize(m).value());
  EncodeRecord(m, CommitLogOffset(0), QueueOffset(0), 42, out.data());
  auto d = DecodeRecord(out);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->sys_flag, sys_flag::kBornHostV6 | sys_flag::kStoreHostV6);
  EXPECT_EQ(d->born_host.ip, m.born_host.ip);
  EXPECT_EQ(d->store_host.ip, m.store_host.ip);
  EXPECT_EQ(d->store_timestamp_ms, 42);
  EXPECT_EQ(d->topic, "T");
}

TEST(MessageRecordTest, LongTopicsUseMagicV2WithATwoByteLength) {
  Message m = SampleMessage();
  m.topic = std::string(200, 't');
  std::vector<std::uint8_t> out(EncodedRecordSize(m).value());
  EncodeRecord(m, CommitLogOffset(0), QueueOffset(0), 1, out.data());
  auto d = DecodeRecord(out);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->magic, kMessageMagicV2);
  EXPECT_EQ(d->topic, m.topic);
}

TEST(MessageRecordTest, OversizedPropertiesAreRejected) {
  Message m = SampleMessage();
  m.properties = std::string(40000, 'x');
  EXPECT_EQ(
      EncodedRecordSize(m).status(),
      InvalidArgumentError("message properties are 40000 bytes, more than the limit of 32767"));
}

TEST(MessageRecordTest, BadHostAddressIsRejected) {
  Message m = SampleMessage();
  m.born_host.ip = {1, 2, 3};
  EXPECT_EQ(EncodedRecordSize(m).status(),
            InvalidArgumentError("host address has 3 bytes; expected 4 (IPv4) or 16 (IPv6)"));
}

TEST(MessageRecordTest, FlippedBodyByteFailsTheCrcCheckOnlyWhenAsked) {
  auto bytes = kSampleRecord;
  bytes[88] ^= 0x01;  // first body byte
  EXPECT_EQ(DecodeRecord(bytes).status(),
            DataLossError("corrupt message record: body CRC mismatch: stored 511920237, "
                          "computed 127433004"));
  EXPECT_TRUE(DecodeRecord(bytes, CheckCrc::kNo).ok());
}

TEST(MessageRecordTest, TruncatedRecordIsOutOfRange) {
  std::vector<std::uint8_t> bytes(kSampleRecord.begin(), kSampleRecord.end() - 1);
  EXPECT_EQ(DecodeRecord(bytes).status(),
            OutOfRangeError("message record truncated: total size 101 but only 100 bytes "
                            "available"));
  EXPECT_EQ(DecodeRecord(std::span<const std::uint8_t>(kSampleRecord).first(3)).status(),
            OutOfRangeError("message record truncated: 3 bytes, fewer than the 8-byte size "
                            "and magic"));
}

TEST(MessageRecordTest, BadMagicIsDataLoss) {
  auto bytes = kSampleRecord;
  bytes[4] = 0;
  EXPECT_EQ(DecodeRecord(bytes).status(),
            DataLossError("corrupt message record: bad magic code 0x00A320A7"));
}

TEST(MessageRecordTest, BodyLengthBeyondTheRecordIsDataLoss) {
  auto bytes = kSampleRecord;
  bytes[87] = 0x70;  // BODYLEN low byte
  EXPECT_EQ(DecodeRecord(bytes).status(),
            DataLossError("corrupt message record: body length 112 does not fit in a record "
                          "of 101 bytes"));
}

TEST(MessageRecordTest, DecodingRandomGarbageNeverCrashes) {
  std::random_device rd;
  const unsigned seed = rd();
  std::cout << "seed " << seed << "\n";
  std::mt19937 rng(seed);
  int decoded = 0;
  for (int i = 0; i < 200000; ++i) {
    std::vector<std::uint8_t> bytes = kSampleRecord;
    // Mutate a few bytes (mostly headers) or truncate, then decode.
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    auto d = DecodeRecord(bytes, CheckCrc(rng() % 2 == 0));
    if (d.ok()) {
      ++decoded;
      ASSERT_LE(static_cast<std::size_t>(d->total_size), bytes.size());
    }
  }
  SUCCEED() << decoded << " mutated records still decoded";
}

TEST(MessageRecordTest, DecodeRecordsSplitsAPullBody) {
  std::vector<std::uint8_t> body = kSampleRecord;
  body.insert(body.end(), kSampleRecord.begin(), kSampleRecord.end());
  auto records = DecodeRecords(body);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 2u);
  body.pop_back();
  EXPECT_EQ(DecodeRecords(body).status().code(), StatusCode::kOutOfRange);
}

TEST(MessageRecordTest, PropertiesRoundTripAndFind) {
  auto encoded = EncodeProperties({{"TAGS", "TagA"}, {"KEYS", "k1 k2"}});
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, std::string("TAGS\x01TagA\x02KEYS\x01k1 k2\x02"));
  auto parsed = ParseProperties(*encoded);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1], (Property{"KEYS", "k1 k2"}));
  EXPECT_EQ(FindProperty(*encoded, "KEYS"), std::optional<std::string_view>("k1 k2"));
  EXPECT_EQ(FindProperty(*encoded, "NOPE"), std::nullopt);
  EXPECT_EQ(
      EncodeProperties({{"A\x01", "x"}}).status(),
      InvalidArgumentError("property \"A\x01\" contains a separator character (\\x01 or \\x02)"));
}

TEST(MessageRecordTest, ParsePropertiesSkipsMalformedEntriesLikeJava) {
  auto parsed = ParseProperties(std::string("junk\x02K\x01V", 8));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0], (Property{"K", "V"}));
}

TEST(MessageRecordTest, JavaHashCodeMatchesJavaForAsciiAndUtf16) {
  // Values from java.lang.String.hashCode().
  EXPECT_EQ(JavaStringHashCode("hello"), 99162322);
  EXPECT_EQ(JavaStringHashCode("TagA"), 2598919);
  EXPECT_EQ(JavaStringHashCode(""), 0);
  EXPECT_EQ(JavaStringHashCode("\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE7\xAD\xBE"),
            622041809);                                        // 中文标签
  EXPECT_EQ(JavaStringHashCode("\xF0\x9F\x98\x80"), 1772899);  // U+1F600, a surrogate pair
  EXPECT_EQ(JavaStringHashCode("a\xF0\x9F\x98\x80"
                               "b"),
            57849694);
  EXPECT_EQ(JavaStringHashCode("\xFF"), 0xFFFD);  // invalid byte -> U+FFFD
  EXPECT_EQ(TagsCodeOf(std::string("TAGS\x01TagA\x02", 10)), 2598919);
  EXPECT_EQ(TagsCodeOf(""), 0);
}

}  // namespace
}  // namespace protocol
}  // namespace quiver
