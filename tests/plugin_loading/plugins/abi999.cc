// quiver-storage-abi999.so: a descriptor from a future SDK (abi_version 999).
#include "test_plugin.h"

namespace {
quiver::PluginFactory* CreateFactory() { quiver_test_plugins::AbortBecauseCalled("abi999"); }
}  // namespace

QUIVER_TEST_DESCRIPTOR(999, sizeof(quiver::PluginDescriptor), quiver::PluginKind::kStorage,
                       "abi999", &CreateFactory);
