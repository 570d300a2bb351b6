// quiver: one executable that becomes a name server, a broker or a client depending on a
// TOML file. This file only parses argv; the kernel does the work (kernel/node/commands.h).

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "client_runtime.h"
#include "kernel/node/commands.h"
#include "quiver/version.h"
#include "tools/client_commands.h"

namespace {

std::atomic<bool> g_interrupted{false};

// The client commands parse their own flags (mqadmin's), so they get the words after
// their name; SIGINT/SIGTERM stop `consume` cleanly (offsets committed).
int RunClientCommand(std::string_view command, int argc, char** argv) {
  std::vector<std::string> args(argv + 2, argv + argc);
  quiver::tools::RuntimeFactory factory = quiver::app::MakeClientRuntime;
  if (command == "admin") return quiver::tools::RunAdmin(args, factory, std::cout, std::cerr);
  if (command == "produce") return quiver::tools::RunProduce(args, factory, std::cout, std::cerr);
  std::signal(SIGINT, [](int) { g_interrupted.store(true); });
  std::signal(SIGTERM, [](int) { g_interrupted.store(true); });
  if (command == "bench") {
    return quiver::tools::RunBench(args, factory, std::cout, std::cerr, &g_interrupted);
  }
  return quiver::tools::RunConsume(args, factory, std::cout, std::cerr, &g_interrupted);
}

}  // namespace

int main(int argc, char** argv) {
  namespace kernel = quiver::kernel;
  if (argc >= 2) {
    std::string_view command = argv[1];
    if (command == "admin" || command == "produce" || command == "consume" || command == "bench") {
      return RunClientCommand(command, argc, argv);
    }
  }
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
  // Listed for --help; dispatched above with their own flags.
  app.add_subcommand("admin",
                     "mqadmin's subcommands: updateTopic, topicRoute, topicList, "
                     "clusterList, topicStatus, consumerProgress, brokerStatus")
      ->allow_extras();
  app.add_subcommand("produce", "send messages: -n ADDR -t TOPIC [--count N] [--body T]")
      ->allow_extras();
  app.add_subcommand("consume", "receive messages: -n ADDR -t TOPIC -g GROUP [--print]")
      ->allow_extras();
  app.add_subcommand("bench",
                     "benchmarks: produce | consume | e2e (-n ADDR), local, peers "
                     "(docs/BENCHMARKS.md)")
      ->allow_extras();

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
