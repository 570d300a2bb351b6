// Built twice into one directory, as quiver-storage-dupe.so and quiver-storage-dupe2.so:
// two files declaring the same kind and name, which the kernel must refuse to list.
#include "quiver/plugin_export.h"
#include "test_plugin.h"

namespace {
class DupeFactory : public quiver_test_plugins::RefusedStorageFactory {};
}  // namespace

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "dupe", "0.0.1", DupeFactory);
