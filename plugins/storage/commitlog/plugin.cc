#include "quiver/plugin_export.h"
#include "store.h"

QUIVER_PLUGIN(quiver::PluginKind::kStorage, "commitlog", "1.0.0",
              quiver::storage::commitlog::CommitLogStorageFactory);
