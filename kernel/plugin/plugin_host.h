#pragma once
// Finding, checking and loading plugin libraries (Boost.DLL).
//
// Search path, in order (the first match of a kind and name wins; later ones are shadowed):
//   1. `plugin_dirs` from the node's TOML (relative to the TOML file's directory),
//   2. the directories of the QUIVER_PLUGIN_PATH environment variable (':'-separated),
//   3. <dir of the quiver executable>/../lib/quiver/plugins (build tree and install tree),
//   4. the build tree's and the install prefix's plugin directories (compile-time).
// A plugin file is named quiver-<kind>-<name>.so. Two files with the same kind and name in
// the same directory are an error.
//
// Loading reads the descriptor exported as the Boost.DLL alias `quiver_plugin_v1` and
// checks abi_version and kind before calling anything in the plugin; then calls
// create_factory once. Libraries are loaded with RTLD_NOW | RTLD_LOCAL.
//
// Lifetime: every factory is returned as a shared_ptr whose control block owns the
// library, and every object created by a factory must be wrapped with TieToPlugin so that
// it, too, keeps the library loaded. The library unloads after the last of them is gone.
//
// Threading: PluginHost is not thread-safe; the kernel loads plugins from one thread at
// start-up.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/plugin.h"
#include "quiver/status.h"

namespace quiver::kernel {

// What `quiver plugins` lists: one plugin file found on the search path.
struct PluginFileInfo {
  PluginKind kind = PluginKind::kTransport;
  std::string name;
  std::string version;
  std::string build_id;
  std::filesystem::path path;
  // Set when a file of the same kind and name earlier on the search path wins.
  bool shadowed = false;
  // Set (and the other fields partially empty) when the file could not be read: not a
  // shared library, no descriptor, wrong ABI version, ... The message says why.
  Status error;
};

// A library that stays loaded while this object lives (shared by factories and objects).
class LoadedPlugin;

class PluginHost {
 public:
  // `config_plugin_dirs`: the node's plugin_dirs, already resolved against the TOML file's
  // directory. The rest of the search path is added as described above.
  explicit PluginHost(std::vector<std::filesystem::path> config_plugin_dirs = {});
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // The directories searched, in order (existing or not).
  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

  // Every quiver-*.so on the search path, in search order, shadowed ones marked. Files
  // that cannot be read are listed with `error` set. kInvalidArgument when one directory
  // holds two plugins of the same kind and name.
  // Each file is loaded to read its descriptor and unloaded again; no create_factory is
  // called. `error` is the Status LoadFactory would return for the file before calling the
  // factory (including a descriptor whose kind or name differs from the file name).
  // A file is shadowed when a file of the same name is in an earlier directory.
  StatusOr<std::vector<PluginFileInfo>> ListPlugins() const;

  // Finds quiver-<kind>-<name>.so, checks its descriptor and returns its factory.
  // Errors (each naming the file):
  //   kNotFound          no such file; the message lists every directory searched
  //   kInvalidArgument   not a shared library / no quiver_plugin_v1 descriptor /
  //                      descriptor names another plugin; also: the library cannot be
  //                      loaded (undefined symbol, missing dependency: dlerror's text), a
  //                      malformed descriptor (too small, null name or factory), a `name`
  //                      that cannot be part of a file name
  //   kFailedPrecondition wrong ABI version or kind (expected and found values)
  //   kInternal          the factory failed (returned null or threw)
  // A broken file first on the search path is reported; later files of the same name are
  // not tried (they are shadowed, as ListPlugins shows).
  // The factory is cached: loading the same kind and name again returns the same object.
  StatusOr<std::shared_ptr<PluginFactory>> LoadFactory(PluginKind kind, std::string_view name);

  // Typed convenience: LoadFactory + a checked downcast (the descriptor's kind was checked).
  template <typename Factory>
  StatusOr<std::shared_ptr<Factory>> Load(std::string_view name) {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<PluginFactory> f, LoadFactory(Factory::kKind, name));
    return std::static_pointer_cast<Factory>(f);
  }

 private:
  std::vector<std::filesystem::path> search_path_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// Wraps an object created by `factory` so that it keeps the factory (and therefore the
// plugin library) alive until the object is destroyed. Never destroy plugin objects any
// other way.
template <typename T, typename Factory>
std::shared_ptr<T> TieToPlugin(std::unique_ptr<T> object, std::shared_ptr<Factory> factory) {
  T* raw = object.release();
  return std::shared_ptr<T>(raw, [factory = std::move(factory)](T* p) mutable {
    delete p;         // the object's code lives in the library...
    factory.reset();  // ...which may unload only after it is gone
  });
}

}  // namespace quiver::kernel
