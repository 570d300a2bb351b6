#pragma once
// RocketMQ's remoting command: the unit every transport carries (rocketmq-protocol.md §1).
//
// frame = int32 length | int32 (serialize type << 24 | header length) | header | body,
// big-endian; `length` excludes itself. The header is JSON (type 0) or RocketMQ's compact
// binary (type 1). Responses are written in the serialization of their request.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/container/flat_map.hpp>

#include "quiver/buffer.h"
#include "quiver/export.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

enum class SerializeType : std::uint8_t { kJson = 0, kRocketMq = 1 };

// extFields, sorted by key (the JSON encoding writes them in that order, as fastjson). A
// flat map: a header's dozen fields take one allocation, not one node each, and lookups
// by std::string_view need no temporary string. Same interface as std::map for what the
// headers need (find, at, operator[], insert_or_assign, erase, iteration in key order).
using ExtFields = boost::container::flat_map<std::string, std::string, std::less<>>;

// LanguageCode (rocketmq-protocol.md §1.5); JSON carries the name, binary the number.
enum class LanguageCode : std::uint8_t {
  kJava = 0,
  kCpp = 1,
  kDotnet = 2,
  kPython = 3,
  kDelphi = 4,
  kErlang = 5,
  kRuby = 6,
  kOther = 7,
  kHttp = 8,
  kGo = 9,
  kPhp = 10,
  kOms = 11,
  kRust = 12,
  kNodeJs = 13,
};

// Protocol version Quiver reports (MQVersion V4_9_4).
inline constexpr std::int32_t kProtocolVersion = 401;

inline constexpr std::int32_t kFlagResponse = 1 << 0;
inline constexpr std::int32_t kFlagOneway = 1 << 1;

struct QUIVER_SDK_VISIBLE RemotingCommand {
  std::int32_t code = 0;
  LanguageCode language = LanguageCode::kCpp;
  std::int32_t version = kProtocolVersion;
  std::int32_t opaque = 0;
  std::int32_t flag = 0;
  std::optional<std::string> remark;
  // The "custom header". Values are strings; a JSON number or boolean received from a
  // non-Java client is kept as its text ("0", "false").
  ExtFields ext_fields;
  BufferList body;
  SerializeType serialize_type = SerializeType::kJson;

  bool is_response() const { return (flag & kFlagResponse) != 0; }
  bool is_oneway() const { return (flag & kFlagOneway) != 0; }

  // Convenience accessors for extFields. Missing or malformed required fields return
  // kInvalidArgument naming the field ("the custom field topic is null", as RocketMQ).
  const std::string* FindExt(std::string_view key) const;
  StatusOr<std::string> RequireExt(std::string_view key) const;
  StatusOr<std::int64_t> RequireExtInt(std::string_view key) const;
  StatusOr<std::int64_t> GetExtInt(std::string_view key, std::int64_t fallback) const;
  StatusOr<bool> GetExtBool(std::string_view key, bool fallback) const;
  void SetExt(std::string key, std::string value) { ext_fields[std::move(key)] = std::move(value); }
  void SetExt(std::string key, std::int64_t value) {
    SetExt(std::move(key), std::to_string(value));
  }

  // A request with a fresh header (opaque is assigned by the transport).
  static RemotingCommand Request(std::int32_t code);
  // A response to `request`: same opaque and serialization, response flag set.
  static RemotingCommand ResponseTo(const RemotingCommand& request, std::int32_t code,
                                    std::optional<std::string> remark = std::nullopt);
};

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
