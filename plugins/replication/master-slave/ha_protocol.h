#pragma once
// RocketMQ's HA wire protocol (rocketmq-protocol.md §7.2): raw TCP, not remoting.
//
//   slave -> master   int64 slave max physical offset            (8 bytes, big endian)
//   master -> slave   int64 master physical offset | int32 size | size bytes of commit log
//
// The decoders are pure (no I/O) so that garbage can be fed to them in tests and fuzzing:
// a bad frame is an error the connection owner answers by closing, never a crash.
//
// Thread safety: a decoder is used by one thread at a time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "quiver/status.h"

namespace quiver::replication::master_slave {

inline constexpr std::size_t kReportSize = 8;
inline constexpr std::size_t kTransferHeaderSize = 12;

std::array<std::uint8_t, kReportSize> EncodeReport(std::int64_t offset);
std::array<std::uint8_t, kTransferHeaderSize> EncodeTransferHeader(std::int64_t offset,
                                                                   std::int32_t size);

// Slave reports, as the master reads them: only the last complete value counts (RocketMQ
// reads `pos - pos % 8`).
class ReportDecoder {
 public:
  // Consumes `bytes`; returns the last complete report in them (with earlier leftovers), if
  // any. kInvalidArgument for a negative offset.
  StatusOr<std::optional<std::int64_t>> Feed(std::span<const std::uint8_t> bytes);

 private:
  std::array<std::uint8_t, kReportSize> partial_{};
  std::size_t partial_size_ = 0;
};

struct TransferFrame {
  std::int64_t offset = 0;
  std::vector<std::uint8_t> body;  // empty: a heartbeat
};

// Master transfer frames, as the slave reads them.
class TransferDecoder {
 public:
  // Bodies above `max_body` bytes are refused (a sane master sends at most its batch size).
  explicit TransferDecoder(std::int32_t max_body) : max_body_(max_body) {}

  // Consumes `bytes` and appends every frame they complete to `out`. kInvalidArgument for a
  // negative offset or size or a body above the limit; the decoder is then unusable (the
  // caller closes the connection).
  Status Feed(std::span<const std::uint8_t> bytes, std::vector<TransferFrame>& out);

 private:
  const std::int32_t max_body_;
  std::array<std::uint8_t, kTransferHeaderSize> header_{};
  std::size_t header_size_ = 0;
  std::optional<TransferFrame> current_;  // header read, body incomplete
  std::size_t body_missing_ = 0;
  bool failed_ = false;
};

}  // namespace quiver::replication::master_slave
