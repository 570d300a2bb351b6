#pragma once
// The client-side commands of the `quiver` executable (DESIGN.md §8):
//   quiver admin SUBCOMMAND (-n "ADDR[;ADDR]" | --config CLIENT.toml) ...
//   quiver produce (-n ADDR | --config FILE) -t TOPIC [--count N] [--size BYTES | --body TEXT]
//                  [--key K] [--tag T] [--mode sync|async|oneway]
//   quiver consume (-n ADDR | --config FILE) -t TOPIC -g GROUP [--count N] [--timeout SECONDS]
//                  [--print | --json] [--from-beginning] [-s "TagA || TagB"]
//                  [--push [--orderly] | --broadcast] [--threads N]
//
// How the main calls them: `args` are the words after the command name (for
// `quiver admin topicList -n x` that is {"topicList", "-n", "x"}); `factory` builds the
// client runtime (the kernel's client role: transport `tcp` + registry `nameserver` with
// the -n addresses, or everything from --config); output goes to `out` (stdout), logs,
// progress and errors to `err` (stderr). The return value is the exit status: 0 success,
// 1 the operation failed, 2 usage or config error (one line on `err`; the factory's
// kInvalidArgument/kNotFound/kFailedPrecondition errors count as config errors).
// Threading: blocking; call from the main thread.

#include <atomic>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/message.h"
#include "quiver/status.h"

namespace quiver::tools {

using RuntimeFactory = std::function<StatusOr<std::shared_ptr<client::ClientRuntime>>(
    const client::ClientOptions& options)>;

int RunAdmin(const std::vector<std::string>& args, const RuntimeFactory& factory, std::ostream& out,
             std::ostream& err);
int RunProduce(const std::vector<std::string>& args, const RuntimeFactory& factory,
               std::ostream& out, std::ostream& err);
// `interrupted` (may be null) is polled: set it from a SIGINT handler to stop cleanly
// (offsets are committed before returning).
int RunConsume(const std::vector<std::string>& args, const RuntimeFactory& factory,
               std::ostream& out, std::ostream& err,
               const std::atomic<bool>* interrupted = nullptr);

// `quiver bench produce|consume|e2e|local|peers ...` (tools/bench.h, docs/BENCHMARKS.md).
// `interrupted` (may be null) is polled: set it from a SIGINT handler to end the run early;
// `local`/`peers` then report what ran, stop their nodes and remove their temp dir.
int RunBench(const std::vector<std::string>& args, const RuntimeFactory& factory,
             std::ostream& out, std::ostream& err,
             const std::atomic<bool>* interrupted = nullptr);

// `quiver consume --print` line format: one body per line, "\" as "\\", newline as "\n".
std::string EscapeBody(const std::string& body);
// `quiver consume --json` line format: one JSON object per message with topic (the
// original topic for a retried message), brokerName, queueId, queueOffset, msgId, keys,
// tags, reconsumeTimes, properties and body.
std::string MessageJson(const client::MessageExt& message);

}  // namespace quiver::tools
