#pragma once
// RocketMQ's commit-log record: the bytes a broker stores and a PULL response carries
// (rocketmq-protocol.md §4.1), the properties string (§4.2) and the tag hash code (§5.2).
//
// Layout (big-endian), IPv4 hosts shown; a v6 host takes 20 bytes instead of 8:
//   0 TOTALSIZE i32 | 4 MAGICCODE i32 | 8 BODYCRC i32 | 12 QUEUEID i32 | 16 FLAG i32 |
//   20 QUEUEOFFSET i64 | 28 PHYSICALOFFSET i64 | 36 SYSFLAG i32 | 40 BORNTIMESTAMP i64 |
//   48 BORNHOST ip+port | 56 STORETIMESTAMP i64 | 64 STOREHOST ip+port |
//   72 RECONSUMETIMES i32 | 76 PREPARED TX OFFSET i64 | 84 BODYLEN i32 + BODY |
//   TOPICLEN (u8 with magic V1, i16 with V2) + TOPIC | PROPERTIESLEN i16 + PROPERTIES
// The end of a commit-log segment that cannot hold the next record carries a blank marker:
//   i32 remaining bytes of the segment | i32 kBlankMagic.
//
// Every function here is pure and thread-safe. DecodeRecord is bounds-checked against
// the span it is given and never reads outside it, whatever the bytes (it is fuzzed).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quiver/export.h"
#include "quiver/message.h"
#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

inline constexpr std::int32_t kMessageMagicV1 = static_cast<std::int32_t>(0xDAA320A7u);
// Topic length stored as int16 (topics longer than 127 bytes).
inline constexpr std::int32_t kMessageMagicV2 = static_cast<std::int32_t>(0xDAA320ABu);
inline constexpr std::int32_t kBlankMagic = static_cast<std::int32_t>(0xCBD43194u);
inline constexpr std::size_t kBlankMarkerSize = 8;
// The smallest possible record: IPv4 hosts, V1 magic, empty body, topic and properties.
inline constexpr std::size_t kMinRecordSize = 91;
inline constexpr std::size_t kMaxTopicLengthV1 = 127;
inline constexpr std::size_t kMaxTopicLengthV2 = 32767;
inline constexpr std::size_t kMaxPropertiesLength = 32767;
// Byte offsets of fixed fields.
inline constexpr std::size_t kTotalSizePosition = 0;
inline constexpr std::size_t kMagicPosition = 4;
inline constexpr std::size_t kBodyCrcPosition = 8;
inline constexpr std::size_t kQueueIdPosition = 12;
inline constexpr std::size_t kQueueOffsetPosition = 20;
inline constexpr std::size_t kPhysicalOffsetPosition = 28;
inline constexpr std::size_t kSysFlagPosition = 36;

// Property keys used by the store and broker (rocketmq-protocol.md §4.3).
inline constexpr std::string_view kPropertyTags = "TAGS";
inline constexpr std::string_view kPropertyKeys = "KEYS";
inline constexpr std::string_view kPropertyUniqKey = "UNIQ_KEY";
inline constexpr char kNameValueSeparator = '\x01';
inline constexpr char kPropertySeparator = '\x02';

// A decoded record. Views (body, topic, properties) point into the decoded span and are
// valid as long as it is.
struct DecodedRecord {
  std::int32_t total_size = 0;
  std::int32_t magic = 0;
  std::int32_t body_crc = 0;
  QueueId queue_id{0};
  std::int32_t flag = 0;
  QueueOffset queue_offset{0};
  CommitLogOffset physical_offset{0};
  std::int32_t sys_flag = 0;
  std::int64_t born_timestamp_ms = 0;
  HostAddress born_host;
  std::int64_t store_timestamp_ms = 0;
  HostAddress store_host;
  std::int32_t reconsume_times = 0;
  std::int64_t prepared_transaction_offset = 0;
  std::span<const std::uint8_t> body;
  std::string_view topic;
  std::string_view properties;
};

using CheckCrc = BoolClass<struct CheckCrcTag>;

// CRC32 (zlib / java.util.zip.CRC32) of `body` masked with 0x7FFFFFFF, as BODYCRC stores it.
QUIVER_SDK_API std::int32_t BodyCrc(std::span<const std::uint8_t> body);

// The encoded size of `message`, or kInvalidArgument naming the limit it breaks (topic
// empty or longer than 32767 bytes, properties longer than 32767 bytes, host address not
// 0, 4 or 16 bytes, record larger than 2 GiB). An empty host address is stored as 0.0.0.0:port.
QUIVER_SDK_API StatusOr<std::size_t> EncodedRecordSize(const Message& message);

// Writes the record of `message` to `out` with the given offsets and store time, computing
// BODYCRC. Sets the host-v6 sys-flag bits from the hosts and the magic from the topic length.
// Returns the bytes written. REQUIRES: EncodedRecordSize(message) is OK and `out` has that
// many bytes.
QUIVER_SDK_API std::size_t EncodeRecord(const Message& message, CommitLogOffset physical_offset,
                                        QueueOffset queue_offset, std::int64_t store_timestamp_ms,
                                        std::uint8_t* out);
// As above with a precomputed BodyCrc(message.body) (callers that hash outside a lock).
QUIVER_SDK_API std::size_t EncodeRecordWithCrc(const Message& message, std::int32_t body_crc,
                                               CommitLogOffset physical_offset,
                                               QueueOffset queue_offset,
                                               std::int64_t store_timestamp_ms, std::uint8_t* out);

// Decodes the record at the start of `bytes` (which may extend past it). Errors:
// kOutOfRange when `bytes` is shorter than the record claims (a torn record);
// kDataLoss for a bad magic, inconsistent lengths or (with CheckCrc::kYes) a body CRC
// mismatch. The message says which field and what was found.
QUIVER_SDK_API StatusOr<DecodedRecord> DecodeRecord(std::span<const std::uint8_t> bytes,
                                                    CheckCrc check_crc = CheckCrc::kYes);

// Decodes a concatenation of whole records (a PULL body). Fails on the first bad record.
QUIVER_SDK_API StatusOr<std::vector<DecodedRecord>> DecodeRecords(
    std::span<const std::uint8_t> bytes, CheckCrc check_crc = CheckCrc::kYes);

// Rewrites the QUEUEOFFSET / PHYSICALOFFSET fields of an encoded record in place.
// REQUIRES: `record` holds at least kSysFlagPosition bytes.
QUIVER_SDK_API void PatchRecordOffsets(std::uint8_t* record, CommitLogOffset physical_offset,
                                       QueueOffset queue_offset);

// Properties: key \x01 value \x02 ... (every entry ends with \x02).
using Property = std::pair<std::string, std::string>;
// kInvalidArgument when a key or value contains a separator or a key is empty.
QUIVER_SDK_API StatusOr<std::string> EncodeProperties(const std::vector<Property>& properties);
// Parses as Java's MessageDecoder.string2messageProperties does: entries without a
// separator are skipped, a missing final \x02 is accepted. Never fails.
QUIVER_SDK_API std::vector<Property> ParseProperties(std::string_view properties);
// The value of `key` in an encoded properties string, without allocating.
QUIVER_SDK_API std::optional<std::string_view> FindProperty(std::string_view properties,
                                                            std::string_view key);

// Java String.hashCode() of the UTF-8 text, computed over its UTF-16 code units (a code
// point above U+FFFF counts as a surrogate pair; a malformed UTF-8 byte as U+FFFD, as
// Java's decoder replaces it).
QUIVER_SDK_API std::int32_t JavaStringHashCode(std::string_view utf8);
// The consume-queue tag code of a properties string: hashCode of TAGS, 0 when absent.
QUIVER_SDK_API std::int64_t TagsCodeOf(std::string_view properties);

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
