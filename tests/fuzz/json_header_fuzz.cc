// Fuzz target: DecodeJsonHeader and NormalizeFastjson on arbitrary text.
// Properties: no crash or sanitizer report; a decoded header re-encodes to JSON that
// decodes to the same fields; errors are kInvalidArgument; NormalizeFastjson returns valid
// JSON unchanged and is idempotent.

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "quiver/protocol/codec.h"
#include "quiver/protocol/json.h"

using quiver::protocol::DecodeJsonHeader;
using quiver::protocol::EncodeHeader;
using quiver::protocol::NormalizeFastjson;
using quiver::protocol::RemotingCommand;
using quiver::protocol::SerializeType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> header(data, size);
  RemotingCommand command;
  quiver::Status status = DecodeJsonHeader(header, command);
  if (status.ok()) {
    FUZZ_CHECK(command.serialize_type == SerializeType::kJson);
    std::vector<std::uint8_t> encoded = EncodeHeader(command);
    RemotingCommand again;
    FUZZ_CHECK(DecodeJsonHeader(encoded, again).ok());
    FUZZ_CHECK(quiver::protocol::fuzz::SameHeader(command, again));
    FUZZ_CHECK(EncodeHeader(again) == encoded);
  } else {
    FUZZ_CHECK(status.code() == quiver::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!status.message().empty());
  }

  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string normalized = NormalizeFastjson(text);
  FUZZ_CHECK(NormalizeFastjson(normalized) == normalized);
  if (text.find('\0') == std::string_view::npos) {
    char pool[4096];
    rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof(pool));
    rapidjson::Document document(&allocator);
    document.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (!document.HasParseError()) FUZZ_CHECK(normalized == text);
  }
  return 0;
}
