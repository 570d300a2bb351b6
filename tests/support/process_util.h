#pragma once
// Process and port helpers shared by the test fixtures that start real servers
// (tests/integration/cluster_fixture, zookeeper_fixture).

#include <sys/types.h>

#include <chrono>
#include <optional>

namespace quiver::testing {

// A loopback TCP port that was free a moment ago (bound to port 0, then released);
// -1 when no socket could be bound.
int FreeLoopbackPort();

// Waits up to `deadline` for child `pid` to exit and reaps it: its wait status, or
// nullopt if it is still running.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds deadline);

}  // namespace quiver::testing
