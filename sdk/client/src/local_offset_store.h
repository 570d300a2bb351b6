#pragma once
// Internal: consumed offsets kept in a local file, for broadcasting consumers (RocketMQ's
// LocalFileOffsetStore; each member of a broadcasting group consumes every queue, so the
// broker cannot hold one offset per queue for the group).
//
// File: `<dir>/<client id>/<group>/offsets.json` (default dir `~/.quiver/offsets`), format
//   {"group":"G","offsetTable":[{"topic":"T","brokerName":"b","queueId":0,"offset":42},...]}
// written atomically: a temp file in the same directory, fsync, rename over the old one.
// Loading a file that is not this format is kInvalidArgument naming the file and the
// problem; the caller decides (PushConsumerOptions::corrupt_offset_file) whether that stops
// the consumer or starts it fresh.
//
// Threading: all methods may be called from any thread; Persist() serialises writers.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "quiver/client/message.h"
#include "quiver/status.h"

namespace quiver::inline v1::client::internal {

class LocalOffsetStore {
 public:
  // `dir` empty = $HOME/.quiver/offsets (the current directory when HOME is unset).
  LocalOffsetStore(const std::string& dir, const std::string& client_id, std::string group);

  const std::filesystem::path& path() const { return path_; }

  // Reads the file. A missing file is OK (no offsets). kInvalidArgument for a file that
  // cannot be parsed: "<path>: not a Quiver offsets file (...); delete it to start the
  // group's queues afresh".
  Status Load();
  // Offset of `queue`, if known.
  std::optional<std::int64_t> Read(const MessageQueue& queue) const;
  // Sets the offset; with `increase_only`, never moves it back.
  void Update(const MessageQueue& queue, std::int64_t offset, bool increase_only);
  void Remove(const MessageQueue& queue);
  // Writes every offset (atomically). kInternal with the path and errno text on failure.
  Status Persist();

 private:
  std::filesystem::path path_;
  std::string group_;
  mutable std::mutex mu_;
  std::map<MessageQueue, std::int64_t> offsets_;
  std::mutex write_mu_;
};

}  // namespace quiver::inline v1::client::internal
