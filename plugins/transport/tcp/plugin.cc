#include "quiver/plugin_export.h"
#include "transport_factory.h"

QUIVER_PLUGIN(quiver::PluginKind::kTransport, "tcp", "1.0.0",
              quiver::transport::tcp::TcpTransportFactory);
