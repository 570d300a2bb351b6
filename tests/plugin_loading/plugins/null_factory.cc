// quiver-storage-nullfactory.so: create_factory returns nullptr ("cannot work here").
#include "test_plugin.h"

namespace {
quiver::PluginFactory* CreateFactory() { return nullptr; }
}  // namespace

QUIVER_TEST_DESCRIPTOR(quiver::kPluginAbiVersion, sizeof(quiver::PluginDescriptor),
                       quiver::PluginKind::kStorage, "nullfactory", &CreateFactory);
