// quiver-storage-throwingctor.so: the factory's constructor throws; QUIVER_PLUGIN's
// create_factory turns that into nullptr.
#include <stdexcept>

#include "quiver/plugin_export.h"
#include "test_plugin.h"

namespace {
class ThrowingFactory : public quiver_test_plugins::RefusedStorageFactory {
 public:
  ThrowingFactory() { throw std::runtime_error("ThrowingFactory refuses to be built"); }
};
}  // namespace

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "throwingctor", "0.0.1", ThrowingFactory);
