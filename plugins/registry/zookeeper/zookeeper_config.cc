#include "zookeeper_config.h"

#include <charconv>
#include <set>

namespace quiver::registry::zookeeper {
namespace {

Status ValidateMember(std::string_view member) {
  const std::string expected =
      "expected \"host:port\" (e.g. \"127.0.0.1:2181\"), found \"" + std::string(member) + "\"";
  std::size_t colon = member.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == member.size()) {
    return InvalidArgumentError(expected);
  }
  std::string_view host = member.substr(0, colon);
  if (host.find_first_of(" \t;") != std::string_view::npos) {
    return InvalidArgumentError(expected + " (separate servers with ',' and no spaces)");
  }
  if (host.find(':') != std::string_view::npos &&
      !(host.size() > 2 && host.front() == '[' && host.back() == ']')) {
    return InvalidArgumentError(expected + " (write IPv6 hosts as \"[::1]:2181\")");
  }
  std::string_view port_text = member.substr(colon + 1);
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    return InvalidArgumentError("expected a port from 1 to 65535 in \"" + std::string(member) +
                                "\"");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateEnsemble(std::string_view ensemble) {
  if (ensemble.empty()) {
    return InvalidArgumentError("expected at least one server, e.g. \"127.0.0.1:2181\"");
  }
  if (ensemble.find('/') != std::string_view::npos) {
    return InvalidArgumentError("a chroot suffix (\"/path\") is not supported in \"" +
                                std::string(ensemble) + "\"; set `root` instead");
  }
  std::set<std::string_view> seen;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = ensemble.find(',', start);
    std::string_view member = ensemble.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    QUIVER_RETURN_IF_ERROR(ValidateMember(member));
    if (!seen.insert(member).second) {
      return InvalidArgumentError("\"" + std::string(member) + "\" is listed twice");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

Status ValidateRoot(std::string_view path) {
  const std::string expected =
      "expected an absolute znode path such as \"/quiver\", found \"" + std::string(path) + "\"";
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') {
    return InvalidArgumentError(expected);
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgumentError(expected + " (empty, \".\" or \"..\" segment)");
    }
    for (char c : segment) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return InvalidArgumentError(expected + " (control character)");
      }
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

StatusOr<ZookeeperConfig> ReadZookeeperConfig(const ConfigView& view) {
  ZookeeperConfig config;
  QUIVER_ASSIGN_OR_RETURN(config.ensemble, view.RequireString("ensemble"));
  Status ensemble = ValidateEnsemble(config.ensemble);
  if (!ensemble.ok()) return view.Invalid("ensemble", ensemble.message());
  QUIVER_ASSIGN_OR_RETURN(config.session_timeout,
                          view.GetDuration("session_timeout", config.session_timeout));
  if (config.session_timeout < std::chrono::seconds(1) ||
      config.session_timeout > std::chrono::minutes(10)) {
    return view.Invalid("session_timeout",
                        "expected a duration from \"1s\" to \"10m\" (ZooKeeper clamps it to "
                        "[2, 20] x tickTime)");
  }
  QUIVER_ASSIGN_OR_RETURN(config.root, view.GetString("root", config.root));
  Status root = ValidateRoot(config.root);
  if (!root.ok()) return view.Invalid("root", root.message());
  return config;
}

}  // namespace quiver::registry::zookeeper
