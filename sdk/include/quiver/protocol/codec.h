#pragma once
// Encoding and decoding of remoting frames (rocketmq-protocol.md §1). No I/O: transports
// and the client library feed bytes in and take bytes out.
//
// Errors: malformed input returns kInvalidArgument (the frame could be delimited, so an
// error response can be sent) or kDataLoss/kResourceExhausted (the stream cannot be
// trusted any more: close the connection). Never aborts on input.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "quiver/buffer.h"
#include "quiver/export.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

inline constexpr std::size_t kDefaultMaxFrameSize = 16 * 1024 * 1024;

// Header bytes of `command` in its serialize_type.
QUIVER_SDK_API std::vector<std::uint8_t> EncodeHeader(const RemotingCommand& command);
// The frame prefix (length, header length with type, header); the body follows it as
// its own buffers, unchanged (scatter/gather).
QUIVER_SDK_API BufferList EncodeFrame(const RemotingCommand& command);

// Parses a header of the given type into `command` (body untouched).
QUIVER_SDK_API Status DecodeJsonHeader(std::span<const std::uint8_t> header,
                                       RemotingCommand& command);
QUIVER_SDK_API Status DecodeBinaryHeader(std::span<const std::uint8_t> header,
                                         RemotingCommand& command);

// Decodes one complete frame *without* the 4-byte length prefix (what follows it).
// `frame` is kept alive by the returned command's body (no copy of the body).
QUIVER_SDK_API StatusOr<RemotingCommand> DecodeFrameBody(const Buffer& frame);

// Incremental decoder for a byte stream: copes with partial reads and several frames in
// one read. Thread safety: one decoder per connection, used by one thread at a time.
class QUIVER_SDK_VISIBLE FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_size = kDefaultMaxFrameSize);

  // Appends received bytes.
  void Feed(std::span<const std::uint8_t> bytes);
  // The next complete frame body (length prefix removed), std::nullopt when more bytes are
  // needed. kResourceExhausted when the declared length exceeds the maximum (checked
  // before allocating) or kDataLoss for an impossible length: the caller must close.
  StatusOr<std::optional<Buffer>> Next();
  // Bytes received but not yet returned as frames.
  std::size_t buffered() const { return pending_.size() - consumed_; }

 private:
  std::size_t max_frame_size_;
  std::vector<std::uint8_t> pending_;
  std::size_t consumed_ = 0;
};

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
