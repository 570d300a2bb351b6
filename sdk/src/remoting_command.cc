#include "quiver/protocol/remoting_command.h"

#include <charconv>

namespace quiver {
inline namespace v1 {
namespace protocol {

const std::string* RemotingCommand::FindExt(std::string_view key) const {
  auto it = ext_fields.find(key);
  return it == ext_fields.end() ? nullptr : &it->second;
}

StatusOr<std::string> RemotingCommand::RequireExt(std::string_view key) const {
  const std::string* value = FindExt(key);
  if (value == nullptr) {
    return InvalidArgumentError("the custom field " + std::string(key) + " is null");
  }
  return *value;
}

namespace {
StatusOr<std::int64_t> ParseInt(std::string_view key, const std::string& text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidArgumentError("the custom field " + std::string(key) + " is not an integer: \"" +
                                text + "\"");
  }
  return value;
}
}  // namespace

StatusOr<std::int64_t> RemotingCommand::RequireExtInt(std::string_view key) const {
  QUIVER_ASSIGN_OR_RETURN(std::string text, RequireExt(key));
  return ParseInt(key, text);
}

StatusOr<std::int64_t> RemotingCommand::GetExtInt(std::string_view key,
                                                  std::int64_t fallback) const {
  const std::string* value = FindExt(key);
  if (value == nullptr || value->empty()) return fallback;
  return ParseInt(key, *value);
}

StatusOr<bool> RemotingCommand::GetExtBool(std::string_view key, bool fallback) const {
  const std::string* value = FindExt(key);
  if (value == nullptr || value->empty()) return fallback;
  // Java's Boolean.parseBoolean: "true" in any case is true, everything else false.
  if (value->size() == 4 && (((*value)[0] | 0x20) == 't') && (((*value)[1] | 0x20) == 'r') &&
      (((*value)[2] | 0x20) == 'u') && (((*value)[3] | 0x20) == 'e')) {
    return true;
  }
  return false;
}

RemotingCommand RemotingCommand::Request(std::int32_t code) {
  RemotingCommand command;
  command.code = code;
  return command;
}

RemotingCommand RemotingCommand::ResponseTo(const RemotingCommand& request, std::int32_t code,
                                            std::optional<std::string> remark) {
  RemotingCommand response;
  response.code = code;
  response.opaque = request.opaque;
  response.flag = kFlagResponse;
  response.serialize_type = request.serialize_type;
  response.remark = std::move(remark);
  return response;
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
