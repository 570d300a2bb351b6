// Fuzz target: a byte stream through FrameDecoder, then DecodeFrameBody on every frame.
// Input: byte 0 chooses how the rest is split into Feed() calls (0 = one call, n = chunks
// of n bytes), the rest is the stream. Properties: no crash or sanitizer report; every
// decoded frame re-encodes (EncodeFrame) to a frame that decodes to the same command.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "quiver/protocol/codec.h"

using quiver::Buffer;
using quiver::protocol::DecodeFrameBody;
using quiver::protocol::EncodeFrame;
using quiver::protocol::FrameDecoder;
using quiver::protocol::RemotingCommand;

namespace {

constexpr std::size_t kMaxFrame = 1 << 20;

void CheckReencodes(const RemotingCommand& command) {
  std::vector<std::uint8_t> bytes = EncodeFrame(command).Flatten();
  FUZZ_CHECK(bytes.size() >= 8);
  // The length prefix covers exactly the rest of the frame.
  std::uint32_t length = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
  FUZZ_CHECK(length == bytes.size() - 4);
  FrameDecoder decoder(bytes.size());
  decoder.Feed(bytes);
  auto next = decoder.Next();
  FUZZ_CHECK(next.ok() && next->has_value());
  auto again = DecodeFrameBody(**next);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(quiver::protocol::fuzz::SameHeader(command, *again));
  FUZZ_CHECK(command.body.ToString() == again->body.ToString());
  FUZZ_CHECK(decoder.buffered() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t chunk = data[0] == 0 ? size : data[0];
  std::span<const std::uint8_t> stream(data + 1, size - 1);
  FrameDecoder decoder(kMaxFrame);
  std::size_t fed = 0;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    std::size_t n = std::min(chunk, stream.size() - pos);
    decoder.Feed(stream.subspan(pos, n));
    fed += n;
    while (true) {
      auto next = decoder.Next();
      if (!next.ok()) {
        auto code = next.status().code();
        FUZZ_CHECK(code == quiver::StatusCode::kDataLoss ||
                   code == quiver::StatusCode::kResourceExhausted);
        return 0;  // the caller would close the connection
      }
      if (!next->has_value()) break;
      const Buffer& frame = **next;
      FUZZ_CHECK(frame.size() + 4 <= kMaxFrame);
      auto command = DecodeFrameBody(frame);
      if (command.ok()) {
        CheckReencodes(*command);
      } else {
        FUZZ_CHECK(command.status().code() == quiver::StatusCode::kInvalidArgument);
      }
    }
    FUZZ_CHECK(decoder.buffered() <= fed);
  }
  return 0;
}
