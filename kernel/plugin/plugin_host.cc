#include "kernel/plugin/plugin_host.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "kernel/plugin/plugin_library.h"
#include "kernel/plugin/plugin_search_path.h"

namespace quiver::kernel {
namespace {

namespace fs = std::filesystem;

std::string Prefix(const fs::path& file) { return "plugin " + file.string() + ": "; }

// Names come from TOML and become part of a file name: no separators, no surprises.
bool IsValidPluginName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                     }) &&
         name != "." && name != "..";
}

std::string JoinPaths(const std::vector<fs::path>& dirs) {
  std::string out;
  for (const fs::path& dir : dirs) {
    if (!out.empty()) out += ", ";
    out += dir.string();
  }
  return out.empty() ? "(no directories)" : out;
}

// The quiver-*.so files of `dir`, sorted by name; none when it is not a readable directory.
std::vector<fs::path> PluginFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string file_name = it->path().filename().string();
    if (!file_name.starts_with("quiver-") || !file_name.ends_with(".so")) continue;
    std::error_code type_ec;
    if (fs::is_directory(it->path(), type_ec)) continue;
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

struct PluginHost::Cache {
  std::map<std::pair<PluginKind, std::string>, std::shared_ptr<PluginFactory>, std::less<>>
      factories;
};

PluginHost::PluginHost(std::vector<fs::path> config_plugin_dirs)
    : search_path_(
          BuildPluginSearchPath(ProcessPluginSearchPathInputs(std::move(config_plugin_dirs)))),
      cache_(std::make_unique<Cache>()) {}

// Factories still referenced elsewhere (by objects tied to them) keep their libraries.
PluginHost::~PluginHost() = default;

StatusOr<std::vector<PluginFileInfo>> PluginHost::ListPlugins() const {
  std::vector<PluginFileInfo> listing;
  // LoadFactory takes the first file of a name on the search path; later ones are shadowed.
  std::set<std::string> file_names_seen;
  for (const fs::path& dir : search_path_) {
    std::map<std::pair<PluginKind, std::string>, fs::path> declared_in_dir;
    for (const fs::path& file : PluginFilesIn(dir)) {
      PluginFileInfo info;
      info.path = file;
      std::string file_name = file.filename().string();
      std::optional<PluginFileNameParts> parts = ParsePluginFileName(file_name);
      if (parts.has_value()) {
        info.kind = parts->kind;
        info.name = parts->name;
      }
      StatusOr<std::shared_ptr<const LoadedPlugin>> plugin = LoadedPlugin::Open(file);
      if (!plugin.ok()) {
        info.error = plugin.status();
      } else {
        const LoadedPlugin& loaded = **plugin;
        info.kind = loaded.kind();
        info.name = std::string(loaded.name());
        info.version = std::string(loaded.version());
        info.build_id = std::string(loaded.build_id());
        auto [it, inserted] =
            declared_in_dir.emplace(std::make_pair(loaded.kind(), info.name), file);
        if (!inserted) {
          return InvalidArgumentError("plugin directory " + dir.string() + " holds two " +
                                      KindName(loaded.kind()) + " plugins named \"" + info.name +
                                      "\": " + it->second.filename().string() + " and " +
                                      file_name + "; remove one of them");
        }
        if (parts.has_value()) info.error = loaded.CheckIdentity(parts->kind, parts->name);
      }
      if (!parts.has_value()) {
        info.error = InvalidArgumentError(
            Prefix(file) +
            "file name is not quiver-<kind>-<name>.so with kind one of "
            "transport, registry, storage, replication" +
            (plugin.ok() ? "; rename it to " + PluginFileName((*plugin)->kind(), info.name)
                         : std::string("; rename or remove it")));
      }
      info.shadowed = !file_names_seen.insert(file_name).second;
      listing.push_back(std::move(info));
    }
  }
  return listing;
}

StatusOr<std::shared_ptr<PluginFactory>> PluginHost::LoadFactory(PluginKind kind,
                                                                 std::string_view name) {
  if (auto it = cache_->factories.find(std::make_pair(kind, std::string(name)));
      it != cache_->factories.end()) {
    return it->second;
  }
  if (!IsValidPluginName(name)) {
    return InvalidArgumentError("invalid " + KindName(kind) + " plugin name \"" +
                                std::string(name) +
                                "\": use letters, digits, '-', '_' and '.' only");
  }

  std::string file_name = PluginFileName(kind, name);
  fs::path file;
  for (const fs::path& dir : search_path_) {
    std::error_code ec;
    fs::path candidate = dir / file_name;
    if (fs::exists(candidate, ec) && !fs::is_directory(candidate, ec)) {
      file = std::move(candidate);
      break;
    }
  }
  if (file.empty()) {
    return NotFoundError("plugin " + KindName(kind) + "." + std::string(name) + " not found: no " +
                         file_name + " in " + JoinPaths(search_path_) +
                         "; put the file in one of these directories, or add its directory "
                         "to plugin_dirs in the TOML file or to QUIVER_PLUGIN_PATH");
  }

  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedPlugin> plugin, LoadedPlugin::Open(file));
  // Not QUIVER_RETURN_IF_ERROR: it binds a reference to this temporary (status.h bug).
  if (Status identity = plugin->CheckIdentity(kind, name); !identity.ok()) return identity;

  // The first call into the plugin. Whatever it throws is caught (and destroyed) while the
  // library is still loaded: `plugin` outlives this block.
  PluginFactory* raw = nullptr;
  try {
    raw = plugin->descriptor().create_factory();
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return InternalError(Prefix(file) + "factory failed: create_factory threw \"" + what +
                         "\" (it must not throw); fix the plugin or see its log");
  } catch (...) {
    return InternalError(Prefix(file) +
                         "factory failed: create_factory threw a non-standard "
                         "exception (it must not throw); fix the plugin or see its log");
  }
  if (raw == nullptr) {
    return InternalError(Prefix(file) + "factory failed: create_factory returned null (the " +
                         KindName(kind) + " plugin \"" + std::string(name) +
                         "\" cannot work in this process, or its factory's constructor threw)");
  }

  // The control block owns the library: the factory (whose code lives in it) is deleted
  // first, then the library may unload. Objects tied to the factory (TieToPlugin) extend it.
  std::shared_ptr<PluginFactory> factory(raw,
                                         [plugin = std::move(plugin)](PluginFactory* f) mutable {
                                           delete f;
                                           plugin.reset();
                                         });
  cache_->factories.emplace(std::make_pair(kind, std::string(name)), factory);
  return factory;
}

}  // namespace quiver::kernel
