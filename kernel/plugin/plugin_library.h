#pragma once
// One plugin library file: opening it and checking its descriptor (PluginHost's building
// block; see plugin_host.h for the search path, the cache and lifetimes).
//
// Opening loads the file with RTLD_NOW | RTLD_LOCAL (an undefined symbol fails here, not at
// the first call), finds the Boost.DLL alias `quiver_plugin_v1` and checks the descriptor's
// fixed part (ABI version first, then size, kind and strings) without calling anything in
// the plugin. create_factory is called only by PluginHost::LoadFactory.
//
// Every error is one line that starts with "plugin <file>: " and says what failed, the
// expected and found values where there are two, and how to fix it.

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/plugin.h"
#include "quiver/status.h"

namespace quiver::kernel {

// The Boost.DLL alias every plugin exports, and the section Boost.DLL puts aliases in.
inline constexpr std::string_view kPluginAlias = "quiver_plugin_v1";
inline constexpr std::string_view kBoostDllSection = "boostdll";

// "transport", ..., or "unknown(N)" for a value outside the enum (a foreign descriptor).
std::string KindName(PluginKind kind);

// The file name of the plugin of `kind` and `name`: "quiver-<kind>-<name>.so".
std::string PluginFileName(PluginKind kind, std::string_view name);

// The kind and name a plugin file name promises ("quiver-storage-commitlog.so" ->
// storage, "commitlog"); nullopt when the name is not quiver-<kind>-<name>.so.
struct PluginFileNameParts {
  PluginKind kind;
  std::string name;
};
std::optional<PluginFileNameParts> ParsePluginFileName(std::string_view file_name);

// The Boost.DLL aliases `file` exports (symbols of its "boostdll" section), read from the
// ELF file without loading it. kInvalidArgument when the file is not a readable binary.
StatusOr<std::vector<std::string>> ExportedAliases(const std::filesystem::path& file);

// A loaded plugin library whose descriptor passed the fixed checks. The library stays
// loaded while this object lives; share it (shared_ptr) with everything the plugin creates.
class LoadedPlugin {
 public:
  // Loads `file` (an absolute path) and checks its descriptor. Errors:
  //   kInvalidArgument    cannot be loaded (not a shared library, undefined symbol, missing
  //                       dependency: dlerror's text), no quiver_plugin_v1 alias, or a
  //                       malformed descriptor (too small for ABI 1, null name or factory)
  //   kFailedPrecondition abi_version differs from kPluginAbiVersion
  // Never calls create_factory. Catches every exception.
  static StatusOr<std::shared_ptr<const LoadedPlugin>> Open(const std::filesystem::path& file);

  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;
  ~LoadedPlugin();

  const std::filesystem::path& file() const { return file_; }
  const PluginDescriptor& descriptor() const { return *descriptor_; }
  PluginKind kind() const { return descriptor_->kind; }
  std::string_view name() const { return descriptor_->name; }
  // "" when the descriptor's pointer is null.
  std::string_view version() const;
  std::string_view build_id() const;

  // OK when the descriptor declares `kind` and `name`, which the file name promised.
  //   kFailedPrecondition another kind (expected and found, and the two ways to fix it)
  //   kInvalidArgument    another name
  Status CheckIdentity(PluginKind kind, std::string_view name) const;

 private:
  LoadedPlugin(std::filesystem::path file, boost::dll::shared_library library,
               const PluginDescriptor* descriptor);

  std::filesystem::path file_;
  boost::dll::shared_library library_;
  const PluginDescriptor* descriptor_;  // points into library_
};

}  // namespace quiver::kernel
