#pragma once
// Message ids (rocketmq-protocol.md §4.5) and host addresses as text.
//
// offsetMsgId: uppercase hex of store host IP (4 or 16 bytes) + int32 port + int64
// commit-log physical offset: 32 characters for IPv4, 56 for IPv6. SEND responses carry
// it as `msgId`; clients derive it from the store host and physical offset of a record.
//
// UNIQ_KEY: the client-side message id Java's MessageClientIDSetter sets on every message:
// uppercase hex of client IP + int16 pid + int32 discriminator (Java: class loader hash)
// + int32 milliseconds since the start of the current month (UTC here) + int16 counter;
// 32 characters for an IPv4 client.
//
// Thread safety: the free functions are pure; UniqueKeyGenerator is safe to share.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/export.h"
#include "quiver/message.h"
#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

// "ip:port" or "[ipv6]:port" -> HostAddress. Numeric addresses only (no name lookup).
// kInvalidArgument naming the text when it is not one.
QUIVER_SDK_API StatusOr<HostAddress> ParseHostAddress(std::string_view text);
// The inverse: "1.2.3.4:10911" or "[::1]:10911"; ":port" for an empty ip.
QUIVER_SDK_API std::string FormatHostAddress(const HostAddress& host);

struct OffsetMessageId {
  HostAddress store_host;
  CommitLogOffset physical_offset{0};
};

// REQUIRES: store_host.ip has 4 or 16 bytes (an empty ip encodes as 0.0.0.0).
QUIVER_SDK_API std::string EncodeOffsetMessageId(const HostAddress& store_host,
                                                 CommitLogOffset physical_offset);
// Accepts either case. kInvalidArgument unless the id is 32 or 56 hex characters.
QUIVER_SDK_API StatusOr<OffsetMessageId> DecodeOffsetMessageId(std::string_view id);

// Generates UNIQ_KEY values. Unique within a process for 65536 ids per millisecond;
// across processes by ip + pid + discriminator.
class QUIVER_SDK_VISIBLE UniqueKeyGenerator {
 public:
  // `client_ip` 4 or 16 bytes (others are treated as 0.0.0.0); `pid` is truncated to 16
  // bits as Java does; `discriminator` separates generators within one process.
  UniqueKeyGenerator(const std::vector<std::uint8_t>& client_ip, std::int32_t pid,
                     std::int32_t discriminator);

  // The next id at wall-clock time `wall_millis` (ms since the Unix epoch).
  // Thread safety: any thread.
  std::string Next(std::int64_t wall_millis);

 private:
  std::string prefix_;  // hex of ip + pid + discriminator
  std::mutex mutex_;
  std::int64_t month_start_ms_ = 0;
  std::int64_t next_month_start_ms_ = 0;
  std::uint16_t counter_ = 0;
};

// Milliseconds since the Unix epoch of the first instant of the UTC month holding
// `wall_millis`, and of the next month (exposed for tests).
QUIVER_SDK_API std::int64_t MonthStartMillis(std::int64_t wall_millis, int months_ahead);

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
