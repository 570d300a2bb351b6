// quiver-transport-wrongkind.so: the file name says transport, the descriptor says storage.
#include "quiver/plugin_export.h"
#include "test_plugin.h"

namespace {
class WrongKindFactory : public quiver_test_plugins::RefusedStorageFactory {
 public:
  WrongKindFactory() { quiver_test_plugins::AbortBecauseCalled("wrongkind"); }
};
}  // namespace

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "wrongkind", "0.0.1", WrongKindFactory);
