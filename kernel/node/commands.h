#pragma once
// The `quiver` subcommands that run in the kernel (apps/quiver/main.cc parses argv and
// calls these). Each returns the process exit status:
//   0 success; 1 the operation failed (a node failed to start or failed at run time);
//   2 usage or configuration error (bad TOML, missing/unknown key, plugin not found/broken).
// Every failure is ONE line on `err` saying what failed, where and how to fix it; logs also
// go to stderr, never to stdout.

#include <filesystem>
#include <iosfwd>

namespace quiver::kernel {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// `quiver start -c FILE`: assembles and starts the node, runs it until SIGINT or SIGTERM,
// stops it gracefully. SIGHUP re-reads [log] level.
int RunStart(const std::filesystem::path& config_file, std::ostream& err);

// `quiver check -c FILE`: reads the file, loads the plugins it names and creates their
// facets without starting anything (so the plugins read their tables and unknown keys are
// caught), then prints
//   "FILE: OK (role broker; transport tcp /path/quiver-transport-tcp.so, ...)".
int RunCheck(const std::filesystem::path& config_file, std::ostream& out, std::ostream& err);

// `quiver plugins [-c FILE]`: one line per plugin file on the search path (plus the file's
// plugin_dirs when given): "KIND NAME VERSION FILE", " (shadowed)" appended to those hidden
// by an earlier one; unreadable files as "? ? ? FILE (error: ...)".
int RunPlugins(const std::filesystem::path* config_file, std::ostream& out, std::ostream& err);

}  // namespace quiver::kernel
