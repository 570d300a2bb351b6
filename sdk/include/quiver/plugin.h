#pragma once
// The plugin descriptor: what a plugin library exports and the kernel checks first.
//
// A plugin library exports exactly one symbol, the Boost.DLL alias `quiver_plugin_v1`,
// pointing at a PluginDescriptor (use QUIVER_PLUGIN from quiver/plugin_export.h). The
// kernel reads abi_version and kind and refuses a mismatch with the file, expected and
// found values before calling anything in the plugin. Then it calls create_factory once
// and keeps the library loaded while the factory or anything it created lives.

#include <cstdint>
#include <string_view>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

enum class PluginKind : std::uint32_t {
  kTransport = 1,
  kRegistry = 2,
  kStorage = 3,
  kReplication = 4,
};

// "transport", "registry", "storage", "replication" ("unknown(N)" otherwise).
QUIVER_SDK_API std::string_view PluginKindName(PluginKind kind);

// Base of the four kind factories (TransportFactory, RegistryFactory, StorageFactory,
// ReplicationFactory). Ownership: the kernel owns the factory.
class QUIVER_SDK_VISIBLE PluginFactory {
 public:
  PluginFactory() = default;
  PluginFactory(const PluginFactory&) = delete;
  PluginFactory& operator=(const PluginFactory&) = delete;
  virtual ~PluginFactory();
};

// Standard layout; fields are only ever appended (descriptor_size tells which exist).
struct PluginDescriptor {
  std::uint32_t abi_version;      // kPluginAbiVersion the plugin was built with
  std::uint32_t descriptor_size;  // sizeof(PluginDescriptor) the plugin was built with
  PluginKind kind;
  const char* name;      // as written in TOML: "tcp", "master-slave"
  const char* version;   // the plugin's own version, "1.0.0"
  const char* build_id;  // QUIVER_BUILD_ID
  // Returns a new factory of the kind's factory type (owned by the caller), or nullptr
  // when the plugin cannot work in this process. Never throws.
  PluginFactory* (*create_factory)();
};

}  // namespace v1
}  // namespace quiver
