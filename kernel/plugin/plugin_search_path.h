#pragma once
// The plugin search path (the order is documented in plugin_host.h).
//
// Split from PluginHost so that the order and the deduplication can be tested without the
// process's environment or executable.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace quiver::kernel {

struct PluginSearchPathInputs {
  // 1. plugin_dirs from the node's TOML, already resolved against the file's directory.
  std::vector<std::filesystem::path> config_dirs;
  // 2. The value of QUIVER_PLUGIN_PATH (':'-separated; empty entries are skipped).
  std::string env_plugin_path;
  // 3. The running executable; <its dir>/../lib/quiver/plugins is searched.
  std::optional<std::filesystem::path> executable;
  // 4. Compile-time directories (build tree, install prefix).
  std::vector<std::filesystem::path> compiled_dirs;
};

// The directories, in order, each absolute (relative entries are taken against the current
// directory) and lexically normal. A directory that names the same place as an earlier one
// (equal after normalisation, or the same directory through a symlink) is dropped.
std::vector<std::filesystem::path> BuildPluginSearchPath(const PluginSearchPathInputs& inputs);

// The inputs of this process: QUIVER_PLUGIN_PATH from the environment, /proc/self/exe, and
// QUIVER_BUILD_PLUGIN_DIR / QUIVER_INSTALL_PLUGIN_DIR from the kernel's build.
PluginSearchPathInputs ProcessPluginSearchPathInputs(
    std::vector<std::filesystem::path> config_dirs);

}  // namespace quiver::kernel
