// The `nameserver` registry plugin: RocketMQ's AP name server (pull routes).
#include "nameserver_factory.h"
#include "quiver/plugin_export.h"

QUIVER_PLUGIN(quiver::PluginKind::kRegistry, "nameserver", "1.0.0",
              quiver::registry::nameserver::NameserverRegistryFactory);
