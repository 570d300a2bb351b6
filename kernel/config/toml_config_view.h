#pragma once
// ConfigView over one table of a TOML file (toml++), and loading such a file.
//
// Every view of one file shares a record of the keys read through any of them, so the
// kernel can reject the keys nobody read once the node is assembled (CheckAllRead). Errors
// name the file, line and column and the full key path: "broker.toml:12:19:
// registry.nameserver.heartbeat_interval: expected a duration ... found \"30 sec\"".
//
// toml++ stays out of this header (views find their table again by path), so code that
// only includes kernel headers does not need toml++ on its include path.
//
// Thread safety: getters may be called from any thread (the read record is locked).

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/config_view.h"
#include "quiver/status.h"

namespace quiver::kernel {

class TomlConfigView final : public ConfigView {
 public:
  struct FileState;  // the parsed document and the read record (toml_config_view.cc)

  // Parses the file at `path`. Errors (kInvalidArgument), one line each:
  //   "<path>: cannot read the file: <reason>"
  //   "<path>:<line>:<column>: <toml++'s description>" for a syntax error.
  // The returned view is the root table; `path` as given is the file name in messages.
  static StatusOr<std::shared_ptr<const TomlConfigView>> LoadFile(
      const std::filesystem::path& path);
  // Same for TOML text; `file_name` is used in messages.
  static StatusOr<std::shared_ptr<const TomlConfigView>> Parse(std::string_view text,
                                                               std::string file_name);

  TomlConfigView(std::shared_ptr<FileState> file, std::vector<std::string> path);
  ~TomlConfigView() override;

  // ConfigView.
  std::string Path() const override;
  std::string Where(std::string_view key) const override;
  bool Has(std::string_view key) const override;
  StatusOr<std::string> GetString(std::string_view key, std::string_view fallback) const override;
  StatusOr<std::int64_t> GetInt(std::string_view key, std::int64_t fallback) const override;
  StatusOr<bool> GetBool(std::string_view key, bool fallback) const override;
  StatusOr<Duration> GetDuration(std::string_view key, Duration fallback) const override;
  StatusOr<std::uint64_t> GetSize(std::string_view key, std::uint64_t fallback) const override;
  StatusOr<std::vector<std::string>> GetStringList(
      std::string_view key, const std::vector<std::string>& fallback) const override;
  StatusOr<std::string> RequireString(std::string_view key) const override;
  StatusOr<std::int64_t> RequireInt(std::string_view key) const override;
  StatusOr<std::vector<std::string>> RequireStringList(std::string_view key) const override;
  StatusOr<std::shared_ptr<const ConfigView>> Table(std::string_view key) const override;

  // --- Kernel-only (not part of the plugin SDK) ---

  // As Table(), typed: the kernel hands these to plugins and checks them afterwards.
  StatusOr<std::shared_ptr<const TomlConfigView>> SubTable(std::string_view key) const;
  // True when this table is present in the file (explicitly or as a parent of one).
  bool Exists() const;
  // The keys of this table in file order. Does not mark anything read.
  std::vector<std::string> Keys() const;
  // True when `key` is present and holds a table. Does not mark it read.
  bool IsTable(std::string_view key) const;
  // "file:line:column" of the key itself (of the table when `key` is empty), or "file"
  // when the position is unknown.
  std::string KeyPosition(std::string_view key) const;
  // The name of the file in messages (as given to LoadFile/Parse).
  const std::string& file_name() const;

  // OK when every key of this table was read, recursing into the sub-tables opened with
  // Table()/SubTable(). Otherwise kInvalidArgument for the first unread key in the file:
  //   "<file>:<line>:<column>: unknown key <path> (<reader>); check its spelling"
  // e.g. reader = "not read by storage plugin \"commitlog\"".
  Status CheckAllRead(std::string_view reader) const;

 private:
  std::string FullPath(std::string_view key) const;
  void MarkRead(std::string_view key) const;

  std::shared_ptr<FileState> file_;
  std::vector<std::string> path_;
};

}  // namespace quiver::kernel
