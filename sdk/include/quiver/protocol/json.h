#pragma once
// JSON helpers shared by the codec, the registry and the broker.
//
// RocketMQ's Java side serializes with fastjson, which writes Map<Long, ...> and
// Map<Integer, ...> keys without quotes in older versions (rocketmq-protocol.md §0.5:
// `"brokerAddrs":{0:"127.0.0.1:10911"}`). That is not JSON, and RapidJSON rejects it.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

// Returns `text` with every bare integer object key quoted (`{0:"a",-1:"b"}` becomes
// `{"0":"a","-1":"b"}`), so that a standard JSON parser accepts fastjson's output.
// A bare key is an optional '-' and digits, outside any string, preceded by '{' or ','
// and followed by ':' (whitespace allowed around it). Everything else is copied
// unchanged, so valid JSON comes back byte for byte and invalid input stays invalid for
// the parser to report. Never fails; linear in the size of `text`.
QUIVER_SDK_API std::string NormalizeFastjson(std::string_view text);

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
