// quiver-storage-undefined.so: references a function no library defines. Linked with
// -z undefs; it is called only from CreateStore, so only RTLD_NOW refuses it at load time
// (RTLD_LAZY would load it and fail at the first call).
#include "quiver/plugin_export.h"
#include "test_plugin.h"

extern "C" int quiver_test_symbol_nobody_defines();

namespace {
class UndefinedSymbolFactory : public quiver::StorageFactory {
 public:
  quiver::StatusOr<std::unique_ptr<quiver::MessageStore>> CreateStore(
      quiver::PluginContext&) override {
    return quiver::InternalError("unreachable: " +
                                 std::to_string(quiver_test_symbol_nobody_defines()));
  }
};
}  // namespace

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "undefined", "0.0.1", UndefinedSymbolFactory);
