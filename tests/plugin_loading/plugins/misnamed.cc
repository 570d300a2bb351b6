// quiver-storage-misnamed.so: the file name says "misnamed", the descriptor says "other".
#include "quiver/plugin_export.h"
#include "test_plugin.h"

namespace {
class MisnamedFactory : public quiver_test_plugins::RefusedStorageFactory {
 public:
  MisnamedFactory() { quiver_test_plugins::AbortBecauseCalled("misnamed"); }
};
}  // namespace

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "other", "0.0.1", MisnamedFactory);
