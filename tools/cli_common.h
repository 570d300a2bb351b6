#pragma once
// Internal to tools/: shared option handling of the client commands.

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/client_commands.h"

namespace quiver::tools::internal {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// -n/--namesrvAddr and --config, exactly one of them.
struct ConnectionFlags {
  std::string namesrv;
  std::string config;
  void AddTo(CLI::App& app);
};

// Parses `args` with `app`. Returns the exit status to stop with (help: 0 after printing
// it to `out`; a usage error: 2 after one line on `err`), or nullopt to go on.
std::optional<int> Parse(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

// Builds the runtime from the flags; on failure prints one line and sets `exit_code`.
std::shared_ptr<client::ClientRuntime> MakeRuntime(const ConnectionFlags& flags,
                                                   const RuntimeFactory& factory, std::ostream& err,
                                                   int& exit_code);

}  // namespace quiver::tools::internal
