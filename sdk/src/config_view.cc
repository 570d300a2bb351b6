#include "quiver/config_view.h"

namespace quiver {
inline namespace v1 {

Status ConfigView::Invalid(std::string_view key, std::string_view what) const {
  std::string message = Where(key);
  message += ": ";
  message += what;
  return InvalidArgumentError(std::move(message));
}

StatusOr<std::int64_t> ConfigView::GetIntInRange(std::string_view key, std::int64_t fallback,
                                                 std::int64_t min, std::int64_t max) const {
  QUIVER_ASSIGN_OR_RETURN(std::int64_t value, GetInt(key, fallback));
  if (value < min || value > max) {
    return Invalid(key, "expected an integer from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", found " + std::to_string(value));
  }
  return value;
}

StatusOr<std::string> ConfigView::GetEnum(std::string_view key, std::string_view fallback,
                                          const std::vector<std::string>& allowed) const {
  QUIVER_ASSIGN_OR_RETURN(std::string value, GetString(key, fallback));
  for (const std::string& a : allowed) {
    if (a == value) return value;
  }
  std::string list;
  for (const std::string& a : allowed) {
    if (!list.empty()) list += " | ";
    list += "\"" + a + "\"";
  }
  return Invalid(key, "expected one of " + list + ", found \"" + value + "\"");
}

}  // namespace v1
}  // namespace quiver
