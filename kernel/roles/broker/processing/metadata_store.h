#pragma once
// The broker's metadata files under store_dir/config/ (rocketmq-protocol.md §5.1):
// topics.json, consumerOffset.json, delayOffset.json, subscriptionGroup.json. Each file is replaced atomically:
// written to "<name>.tmp", fsynced, renamed over the old one, and the directory fsynced,
// so a crash leaves either the old or the new file, never a torn one.
//
// Thread safety: Save calls for the same name must not run concurrently (callers
// serialise per file); different names may. Load is safe any time.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver::broker {

inline constexpr std::string_view kTopicsFile = "topics.json";
inline constexpr std::string_view kConsumerOffsetFile = "consumerOffset.json";
inline constexpr std::string_view kDelayOffsetFile = "delayOffset.json";
inline constexpr std::string_view kSubscriptionGroupFile = "subscriptionGroup.json";

class MetadataStore {
 public:
  // `store_dir` is [broker] store_dir; files live in store_dir/config.
  explicit MetadataStore(std::filesystem::path store_dir);

  std::filesystem::path PathOf(std::string_view name) const { return config_dir_ / name; }

  // The file's content, or nullopt when it does not exist. kInternal naming the file and
  // the OS error when it exists but cannot be read.
  StatusOr<std::optional<std::string>> Load(std::string_view name) const;
  // Atomically replaces the file (creating store_dir/config if needed). kInternal naming
  // the file and the failing step on error; the previous content is then intact.
  Status Save(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path config_dir_;
};

}  // namespace quiver::broker
