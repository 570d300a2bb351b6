#pragma once
// A plugin's (or a role's) view of its table in the node's TOML file.
//
// Getters are typed. Every error carries the file, line and column and the full key path,
// and says what was expected: "broker.toml:12:19: registry.nameserver.heartbeat_interval:
// expected a duration such as \"30s\" (an integer and one of ms, s, m, h), found \"30 sec\"".
// Every key a getter touches is recorded as read; after the node is assembled the kernel
// rejects the keys of the table that nobody read (typos fail loudly).
//
// Ownership: the kernel owns views and keeps them alive for the node's lifetime.
// Thread safety: getters are const and may be called from any thread, but plugins should
// read their configuration in their factory's Create* (the kernel checks unread keys then).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/clock.h"
#include "quiver/export.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {

class QUIVER_SDK_VISIBLE ConfigView {
 public:
  ConfigView() = default;
  ConfigView(const ConfigView&) = delete;
  ConfigView& operator=(const ConfigView&) = delete;
  virtual ~ConfigView();

  // Dotted path of this table from the file's root ("registry.nameserver"; "" = root).
  virtual std::string Path() const = 0;
  // "broker.toml:12:5: registry.nameserver.addresses" for `key` (or for the table itself
  // when `key` is empty or absent) — the prefix of any error a plugin reports about it.
  virtual std::string Where(std::string_view key) const = 0;
  // True when `key` is present. Marks the key as read.
  virtual bool Has(std::string_view key) const = 0;

  // Typed getters. `fallback` is returned when the key is absent; a present key of the
  // wrong type or syntax is an error (kInvalidArgument), never silently the fallback.
  virtual StatusOr<std::string> GetString(std::string_view key,
                                          std::string_view fallback) const = 0;
  virtual StatusOr<std::int64_t> GetInt(std::string_view key, std::int64_t fallback) const = 0;
  virtual StatusOr<bool> GetBool(std::string_view key, bool fallback) const = 0;
  virtual StatusOr<Duration> GetDuration(std::string_view key, Duration fallback) const = 0;
  virtual StatusOr<std::uint64_t> GetSize(std::string_view key, std::uint64_t fallback) const = 0;
  virtual StatusOr<std::vector<std::string>> GetStringList(
      std::string_view key, const std::vector<std::string>& fallback) const = 0;

  // As above, for keys marked REQUIRED: absent is kInvalidArgument ("missing required key").
  virtual StatusOr<std::string> RequireString(std::string_view key) const = 0;
  virtual StatusOr<std::int64_t> RequireInt(std::string_view key) const = 0;
  virtual StatusOr<std::vector<std::string>> RequireStringList(std::string_view key) const = 0;

  // Integer in [min, max] (inclusive); outside is kInvalidArgument naming the range.
  StatusOr<std::int64_t> GetIntInRange(std::string_view key, std::int64_t fallback,
                                       std::int64_t min, std::int64_t max) const;
  // One of `allowed`; anything else is kInvalidArgument listing them.
  StatusOr<std::string> GetEnum(std::string_view key, std::string_view fallback,
                                const std::vector<std::string>& allowed) const;

  // The sub-table `key` (an empty view when absent, so its getters return fallbacks).
  // A present non-table value is kInvalidArgument.
  virtual StatusOr<std::shared_ptr<const ConfigView>> Table(std::string_view key) const = 0;

  // An error about `key` with its position: InvalidArgumentError(Where(key) + ": " + what).
  Status Invalid(std::string_view key, std::string_view what) const;
};

}  // namespace v1
}  // namespace quiver
