// quiver-storage-throwingfactory.so: a hand-written create_factory that breaks the
// "never throws" contract; the kernel must catch it at the boundary.
#include <stdexcept>

#include "test_plugin.h"

namespace {
quiver::PluginFactory* CreateFactory() {
  throw std::runtime_error("create_factory exploded\nsecond line");
}
}  // namespace

QUIVER_TEST_DESCRIPTOR(quiver::kPluginAbiVersion, sizeof(quiver::PluginDescriptor),
                       quiver::PluginKind::kStorage, "throwingfactory", &CreateFactory);
