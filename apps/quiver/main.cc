// quiver: one executable that becomes a name server, a broker or a client depending on a
// TOML file. This file only parses argv; the kernel does the work (kernel/node/commands.h).

#include <filesystem>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "kernel/node/commands.h"
#include "quiver/version.h"

int main(int argc, char** argv) {
  namespace kernel = quiver::kernel;
  CLI::App app{"Quiver: a RocketMQ-compatible message queue built from plugins", "quiver"};
  app.set_version_flag("--version", "quiver " QUIVER_VERSION_STRING);
  app.require_subcommand(1);

  std::string config;
  CLI::App* start = app.add_subcommand("start", "run a node until SIGINT or SIGTERM");
  start->add_option("-c,--config", config, "the node's TOML file")->required();
  CLI::App* check = app.add_subcommand(
      "check", "validate a config and find its plugins without starting anything");
  check->add_option("-c,--config", config, "the node's TOML file")->required();
  CLI::App* plugins = app.add_subcommand("plugins", "list the plugins on the search path");
  plugins->add_option("-c,--config", config, "also search this file's plugin_dirs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "quiver: " << e.what() << "; run 'quiver --help' for usage" << std::endl;
    return kernel::kExitUsage;
  }

  if (start->parsed()) return kernel::RunStart(config, std::cerr);
  if (check->parsed()) return kernel::RunCheck(config, std::cout, std::cerr);
  std::filesystem::path config_path(config);
  return kernel::RunPlugins(config.empty() ? nullptr : &config_path, std::cout, std::cerr);
}
