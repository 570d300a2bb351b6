#pragma once
// Helpers for the deliberately broken plugins of tests/plugin_loading. Each plugin is a
// separate .so built only for the tests (never installed, never on the real search path).

#include <boost/dll/alias.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "quiver/plugin.h"
#include "quiver/plugin_context.h"
#include "quiver/storage.h"
#include "quiver/version.h"

namespace quiver_test_plugins {

// Kills the test process: plugins whose descriptor must be refused use it as their factory,
// so a kernel that calls into a plugin before checking its descriptor fails the test loudly.
[[noreturn]] inline void AbortBecauseCalled(const char* plugin) {
  std::fprintf(stderr, "test plugin %s: the kernel called into a plugin it must refuse\n", plugin);
  std::abort();
}

// The factory of test plugins that exist only to be refused or listed. A store is never
// what these plugins are for, so CreateStore says so.
class RefusedStorageFactory : public quiver::StorageFactory {
 public:
  quiver::StatusOr<std::unique_ptr<quiver::MessageStore>> CreateStore(
      quiver::PluginContext&) override {
    return quiver::UnimplementedError("test plugin: creates no store");
  }
};

}  // namespace quiver_test_plugins

// A descriptor written by hand (not through QUIVER_PLUGIN) so that a test can give it any
// ABI version, size, kind or factory.
#define QUIVER_TEST_DESCRIPTOR(abi, size, kind, name, factory_fn)                            \
  extern "C" const ::quiver::PluginDescriptor quiver_plugin_descriptor_v1;                   \
  const ::quiver::PluginDescriptor quiver_plugin_descriptor_v1 = {                           \
      (abi), (size), (kind), (name), "0.0.1", "hand-written test descriptor", (factory_fn)}; \
  BOOST_DLL_ALIAS(quiver_plugin_descriptor_v1, quiver_plugin_v1)
