// Fuzz target: DecodeBinaryHeader (RocketMQ's compact header, rocketmq-protocol.md §1.3).
// Properties: no crash or sanitizer report; errors are kInvalidArgument; a decoded header
// re-encodes to bytes that decode to the same fields, and those bytes are a fixed point
// (encode(decode(encode(h))) == encode(h)).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "quiver/protocol/codec.h"

using quiver::protocol::DecodeBinaryHeader;
using quiver::protocol::EncodeHeader;
using quiver::protocol::RemotingCommand;
using quiver::protocol::SerializeType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  RemotingCommand command;
  quiver::Status status = DecodeBinaryHeader(std::span<const std::uint8_t>(data, size), command);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == quiver::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(command.serialize_type == SerializeType::kRocketMq);
  FUZZ_CHECK(command.code >= -32768 && command.code <= 32767);
  std::vector<std::uint8_t> encoded = EncodeHeader(command);
  FUZZ_CHECK(encoded.size() <= size);  // dropped null entries only ever shrink it
  RemotingCommand again;
  FUZZ_CHECK(DecodeBinaryHeader(encoded, again).ok());
  FUZZ_CHECK(quiver::protocol::fuzz::SameHeader(command, again));
  FUZZ_CHECK(EncodeHeader(again) == encoded);
  return 0;
}
