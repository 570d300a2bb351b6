#include "kernel/plugin/plugin_search_path.h"

#include <cstdlib>
#include <string_view>
#include <system_error>
#include <utility>

namespace quiver::kernel {
namespace {

namespace fs = std::filesystem;

fs::path Absolute(const fs::path& dir) {
  std::error_code ec;
  fs::path absolute = dir.is_absolute() ? dir : fs::absolute(dir, ec);
  if (ec) absolute = dir;
  absolute = absolute.lexically_normal();
  // "a/b/" and "a/b" are the same directory.
  if (!absolute.has_filename() && absolute.has_parent_path() && absolute != absolute.root_path()) {
    absolute = absolute.parent_path();
  }
  return absolute;
}

// Two spellings of one directory share this key: symlinks resolved where the path exists.
fs::path IdentityKey(const fs::path& absolute) {
  std::error_code ec;
  fs::path key = fs::weakly_canonical(absolute, ec);
  return ec ? absolute : key;
}

}  // namespace

std::vector<fs::path> BuildPluginSearchPath(const PluginSearchPathInputs& inputs) {
  std::vector<fs::path> candidates = inputs.config_dirs;
  std::string_view env = inputs.env_plugin_path;
  while (!env.empty()) {
    std::size_t colon = env.find(':');
    std::string_view entry = env.substr(0, colon);
    if (!entry.empty()) candidates.emplace_back(entry);
    if (colon == std::string_view::npos) break;
    env.remove_prefix(colon + 1);
  }
  if (inputs.executable.has_value() && !inputs.executable->empty()) {
    candidates.push_back(inputs.executable->parent_path() / ".." / "lib" / "quiver" / "plugins");
  }
  candidates.insert(candidates.end(), inputs.compiled_dirs.begin(), inputs.compiled_dirs.end());

  std::vector<fs::path> search_path;
  std::vector<fs::path> keys;
  for (const fs::path& candidate : candidates) {
    if (candidate.empty()) continue;
    fs::path dir = Absolute(candidate);
    fs::path key = IdentityKey(dir);
    bool seen = false;
    for (const fs::path& k : keys) seen = seen || k == key;
    if (seen) continue;
    keys.push_back(std::move(key));
    search_path.push_back(std::move(dir));
  }
  return search_path;
}

PluginSearchPathInputs ProcessPluginSearchPathInputs(std::vector<fs::path> config_dirs) {
  PluginSearchPathInputs inputs;
  inputs.config_dirs = std::move(config_dirs);
  if (const char* env = std::getenv("QUIVER_PLUGIN_PATH"); env != nullptr) {
    inputs.env_plugin_path = env;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) inputs.executable = std::move(exe);
#ifdef QUIVER_BUILD_PLUGIN_DIR
  inputs.compiled_dirs.emplace_back(QUIVER_BUILD_PLUGIN_DIR);
#endif
#ifdef QUIVER_INSTALL_PLUGIN_DIR
  inputs.compiled_dirs.emplace_back(QUIVER_INSTALL_PLUGIN_DIR);
#endif
  return inputs;
}

}  // namespace quiver::kernel
