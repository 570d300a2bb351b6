// The `zookeeper` registry plugin: CP, push (ephemeral znodes and watches on Apache
// ZooKeeper), with a stateless route gateway for name-server-protocol clients.
#include "quiver/plugin_export.h"
#include "zookeeper_factory.h"

QUIVER_PLUGIN(quiver::PluginKind::kRegistry, "zookeeper", "1.0.0",
              quiver::registry::zookeeper::ZookeeperRegistryFactory);
