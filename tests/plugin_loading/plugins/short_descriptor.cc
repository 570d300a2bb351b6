// quiver-storage-short.so: ABI 1 but a descriptor_size that ends before create_factory.
#include "test_plugin.h"

namespace {
quiver::PluginFactory* CreateFactory() { quiver_test_plugins::AbortBecauseCalled("short"); }
}  // namespace

QUIVER_TEST_DESCRIPTOR(quiver::kPluginAbiVersion, 8, quiver::PluginKind::kStorage, "short",
                       &CreateFactory);
