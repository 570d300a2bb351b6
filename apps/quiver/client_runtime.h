#pragma once
// The client library's runtime built by the kernel: a client node (transport plugin +
// registry discovery) assembled from a client TOML file (`--config`) or from name-server
// addresses (`-n`, which means transport "tcp" and registry "nameserver").

#include <memory>

#include "quiver/client/client_runtime.h"
#include "quiver/status.h"

namespace quiver::app {

// Assembles and starts a client node. Errors: the config and plugin errors of `quiver
// check` (kInvalidArgument, kNotFound, kFailedPrecondition: exit status 2), or a start
// failure (exit status 1). Logs go to stderr at `warn` unless the file's [log] says more.
StatusOr<std::shared_ptr<client::ClientRuntime>> MakeClientRuntime(
    const client::ClientOptions& options);

}  // namespace quiver::app
