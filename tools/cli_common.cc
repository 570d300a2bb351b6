#include "tools/cli_common.h"

#include <algorithm>
#include <ostream>

namespace quiver::tools::internal {

void ConnectionFlags::AddTo(CLI::App& app) {
  auto* n = app.add_option("-n,--namesrvAddr", namesrv, "name server addresses \"a:p;b:p\"");
  auto* c = app.add_option("--config", config, "client TOML file (any registry)");
  n->excludes(c);
}

std::optional<int> Parse(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "error: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }
  return std::nullopt;
}

std::shared_ptr<client::ClientRuntime> MakeRuntime(const ConnectionFlags& flags,
                                                   const RuntimeFactory& factory, std::ostream& err,
                                                   int& exit_code) {
  client::ClientOptions options;
  if (!flags.config.empty()) {
    options.config_file = flags.config;
  } else {
    std::string rest = flags.namesrv;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string part = rest.substr(0, semi);
      part.erase(std::remove(part.begin(), part.end(), ' '), part.end());
      if (!part.empty()) options.namesrv_addresses.push_back(part);
      rest = semi == std::string::npos ? "" : rest.substr(semi + 1);
    }
    if (options.namesrv_addresses.empty()) {
      err << "error: give the name servers with -n \"ADDR[;ADDR]\" or a client file with "
             "--config\n";
      exit_code = kExitUsage;
      return nullptr;
    }
  }
  StatusOr<std::shared_ptr<client::ClientRuntime>> runtime = factory(options);
  if (!runtime.ok()) {
    const StatusCode code = runtime.status().code();
    const bool config_error = code == StatusCode::kInvalidArgument ||
                              code == StatusCode::kNotFound ||
                              code == StatusCode::kFailedPrecondition;
    err << "error: " << runtime.status().ToString() << "\n";
    exit_code = config_error ? kExitUsage : kExitFailed;
    return nullptr;
  }
  return *runtime;
}

}  // namespace quiver::tools::internal
