#pragma once
// The [registry.zookeeper] table (DESIGN.md §8) and its validation.
//
//   ensemble        = "127.0.0.1:2181"  REQUIRED: ZooKeeper connect string "h1:p1,h2:p2"
//   session_timeout = "10s"   requested session timeout; the server clamps it to
//                             [2, 20] x its tickTime. A crashed broker leaves routes after it.
//                             Also the longest Start() waits for a first session.
//   root            = "/quiver"  parent znode of everything Quiver writes
//
// Every facet reads every key, so one file can carry them all and the kernel's unknown-key
// check still catches typos.

#include <string>
#include <string_view>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/status.h"

namespace quiver::registry::zookeeper {

struct ZookeeperConfig {
  std::string ensemble;
  Duration session_timeout = std::chrono::seconds(10);
  std::string root = "/quiver";
};

// Reads and validates every key. kInvalidArgument (with the key's position, from `view`)
// for a missing ensemble, an ensemble member that is not "host:port", a chroot suffix in
// the connect string (use `root`), a session timeout outside 1s..10m, or a root that is
// not an absolute znode path ("/a/b": no trailing '/', no empty, "." or ".." segment).
StatusOr<ZookeeperConfig> ReadZookeeperConfig(const ConfigView& view);

// OK when `ensemble` is "host:port[,host:port...]". Otherwise kInvalidArgument saying what
// is wrong (without the key path).
Status ValidateEnsemble(std::string_view ensemble);
// OK when `path` is an absolute znode path other than "/" without empty segments.
Status ValidateRoot(std::string_view path);

}  // namespace quiver::registry::zookeeper
