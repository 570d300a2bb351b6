#pragma once
// Encoding and decoding of remoting frames (rocketmq-protocol.md §1). No I/O: transports
// and the client library feed bytes in and take bytes out.
//
// Errors: malformed input returns kInvalidArgument (the frame could be delimited, so an
// error response can be sent) or kDataLoss/kResourceExhausted (the stream cannot be
// trusted any more: close the connection). Never aborts on input.

#include <cstddef>
#include <cstdint>
#include <memory>
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

// Header bytes of `command` in its serialize_type. JSON: fastjson's key order (code,
// extFields, flag, language, opaque, remark, serializeTypeCurrentRPC, version), remark
// omitted when null, extFields when empty. Binary: §1.3; code and version are written as
// int16 (truncated as Java's (short) cast does), an empty remark or value as length 0.
// REQUIRES: the header fits 24 bits and every extFields key fits an int16 length
// (aborts otherwise: these come from our own code, not from the wire).
QUIVER_SDK_API std::vector<std::uint8_t> EncodeHeader(const RemotingCommand& command);
// The frame: parts()[0] is the prefix (length, header length with type) plus the header;
// the remaining parts are the command's body buffers, unchanged (scatter/gather).
// REQUIRES: the whole frame fits an int32 length.
QUIVER_SDK_API BufferList EncodeFrame(const RemotingCommand& command);

// Parse a header of the given type into `command`: every header field and serialize_type
// are replaced (absent JSON properties take Java's defaults: 0, JAVA, null), the body is
// untouched; on error `command` is unchanged and the Status is kInvalidArgument.
// JSON: extFields values may be strings, numbers or booleans (kept as their text; 1.5 ->
// "1.5"), null values are skipped; language may be a name or a number (unknown -> OTHER);
// fastjson's bare integer keys are accepted (NormalizeFastjson, quiver/protocol/json.h).
// Binary: a zero-length remark, key or value is null (absent), as in Java; bytes after
// the extFields area are an error.
QUIVER_SDK_API Status DecodeJsonHeader(std::span<const std::uint8_t> header,
                                       RemotingCommand& command);
QUIVER_SDK_API Status DecodeBinaryHeader(std::span<const std::uint8_t> header,
                                         RemotingCommand& command);

// Decodes one complete frame *without* the 4-byte length prefix (what follows it).
// `frame` is kept alive by the returned command's body (no copy of the body).
// Errors: kDataLoss when `frame` is shorter than 4 bytes; kInvalidArgument when the header
// length exceeds the frame, the serialize type is neither 0 nor 1, or the header is bad.
QUIVER_SDK_API StatusOr<RemotingCommand> DecodeFrameBody(const Buffer& frame);

// Incremental decoder for a byte stream: copes with partial reads and several frames in
// one read. Received bytes go into reference-counted blocks and every frame is returned
// as a slice of its block, never copied: a frame keeps its block (at most 64 KiB, or the
// frame's own size when larger) alive while any Buffer refers to it. A transport can
// receive straight into the block (Prepare/Commit), so a body is copied by the kernel
// only. Thread safety: one decoder per connection, used by one thread at a time; the
// returned Buffers may be read from any thread (the decoder never rewrites their bytes).
class QUIVER_SDK_VISIBLE FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_size = kDefaultMaxFrameSize);

  // Appends received bytes (Prepare + copy + Commit).
  void Feed(std::span<const std::uint8_t> bytes);
  // A writable area of at least `min_size` bytes after the bytes received so far, sized
  // to hold the rest of a large frame whose length prefix has arrived (up to the
  // maximum). Receive into it, then Commit the count. The area stays valid until the next
  // Prepare or Feed.
  std::span<std::uint8_t> Prepare(std::size_t min_size);
  // Marks `bytes` of the area returned by the last Prepare as received.
  // REQUIRES: bytes <= that area's size.
  void Commit(std::size_t bytes);
  // The next complete frame body (length prefix removed), std::nullopt when more bytes are
  // needed. kResourceExhausted when the declared length exceeds the maximum (checked
  // before allocating) or kDataLoss for an impossible length: the caller must close.
  // The maximum counts the 4-byte length prefix too, as Netty's frame decoder does.
  // Errors are sticky (the offending prefix stays buffered). Call Next() until it yields
  // std::nullopt after each Feed() so that at most one partial frame stays buffered.
  StatusOr<std::optional<Buffer>> Next();
  // Bytes received but not yet returned as frames.
  std::size_t buffered() const { return end_ - begin_; }

 private:
  // Bytes of the next frame (prefix included) when its prefix has arrived and is within
  // the maximum, else 0.
  std::size_t PendingFrameSize() const;

  std::size_t max_frame_size_;
  std::shared_ptr<std::uint8_t[]> block_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first byte not yet returned as a frame
  std::size_t end_ = 0;    // one past the last received byte
};

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
