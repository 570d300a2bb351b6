#include "kernel/config/node_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "quiver/units.h"

namespace quiver::kernel {
namespace {

constexpr std::string_view kRoles[] = {"nameserver", "broker", "client"};
constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};

struct KindDefault {
  PluginKind kind;
  std::string_view table;
  std::string_view default_plugin;
};
constexpr KindDefault kKinds[] = {
    {PluginKind::kTransport, "transport", "tcp"},
    {PluginKind::kRegistry, "registry", "nameserver"},
    {PluginKind::kStorage, "storage", "commitlog"},
    {PluginKind::kReplication, "replication", "master-slave"},
};

bool RoleUsesKind(NodeRole role, PluginKind kind) {
  if (role == NodeRole::kBroker) return true;
  return kind == PluginKind::kTransport || kind == PluginKind::kRegistry;
}

bool IsRoleTable(std::string_view key) {
  return std::find(std::begin(kRoles), std::end(kRoles), key) != std::end(kRoles);
}

const KindDefault* FindKind(std::string_view key) {
  for (const KindDefault& k : kKinds) {
    if (k.table == key) return &k;
  }
  return nullptr;
}

// "host:port" with a non-empty host and a port from 0 to 65535.
Status CheckAddress(const ConfigView& view, std::string_view key, const std::string& value) {
  const std::size_t colon = value.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < value.size() &&
            value.size() - colon <= 6;
  if (ok) {
    int port = 0;
    for (char c : value.substr(colon + 1)) {
      if (c < '0' || c > '9') ok = false;
      port = port * 10 + (c - '0');
    }
    ok = ok && port <= 65535;
  }
  if (ok) return Status::Ok();
  return view.Invalid(
      key, "expected an address \"host:port\" such as \"127.0.0.1:9876\", found \"" + value + "\"");
}

bool IsWildcardHost(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return host == "0.0.0.0" || host == "[::]" || host == "::";
}

Status CheckNonEmpty(const ConfigView& view, std::string_view key, const std::string& value,
                     std::string_view example) {
  if (!value.empty()) return Status::Ok();
  return view.Invalid(
      key, "expected a non-empty string such as " + std::string(example) + ", found \"\"");
}

Status ReadLog(const TomlConfigView& root, NodeConfig& config) {
  QUIVER_ASSIGN_OR_RETURN(auto log, root.SubTable("log"));
  QUIVER_ASSIGN_OR_RETURN(config.log_level,
                          log->GetEnum("level", "info",
                                       {kLevels[0].data(), kLevels[1].data(), kLevels[2].data(),
                                        kLevels[3].data(), kLevels[4].data()}));
  return log->CheckAllRead("not a key of [log]: level");
}

Status ReadNameserver(const TomlConfigView& table, NameserverSettings& out) {
  QUIVER_ASSIGN_OR_RETURN(out.listen, table.GetString("listen", out.listen));
  QUIVER_RETURN_IF_ERROR(CheckAddress(table, "listen", out.listen));
  return table.CheckAllRead("not a key of [nameserver]: listen");
}

Status ReadDelayLevels(const ConfigView& table, std::vector<Duration>& out) {
  QUIVER_ASSIGN_OR_RETURN(std::string text, table.GetString("delay_levels", kDefaultDelayLevels));
  std::istringstream words(text);
  std::string word;
  out.clear();
  while (words >> word) {
    StatusOr<Duration> level = ParseDuration(word);
    const std::string which = "level " + std::to_string(out.size() + 1) + " (\"" + word + "\")";
    if (!level.ok()) return table.Invalid("delay_levels", which + ": " + level.status().message());
    if (level->count() == 0) {
      return table.Invalid("delay_levels", which + ": expected a duration above 0ms");
    }
    out.push_back(*level);
  }
  if (out.empty()) {
    return table.Invalid(
        "delay_levels",
        "expected space-separated durations such as \"1s 5s 10s\", found \"" + text + "\"");
  }
  return Status::Ok();
}

Status ReadBroker(const TomlConfigView& table, const std::filesystem::path& file_dir,
                  BrokerSettings& out) {
  QUIVER_ASSIGN_OR_RETURN(out.cluster, table.GetString("cluster", out.cluster));
  QUIVER_RETURN_IF_ERROR(CheckNonEmpty(table, "cluster", out.cluster, "\"DefaultCluster\""));
  QUIVER_ASSIGN_OR_RETURN(out.name, table.RequireString("name"));
  QUIVER_RETURN_IF_ERROR(CheckNonEmpty(table, "name", out.name, "\"broker-a\""));
  QUIVER_ASSIGN_OR_RETURN(out.id, table.GetIntInRange("id", 0, 0, 65535));
  QUIVER_ASSIGN_OR_RETURN(out.listen, table.GetString("listen", out.listen));
  QUIVER_RETURN_IF_ERROR(CheckAddress(table, "listen", out.listen));
  QUIVER_ASSIGN_OR_RETURN(out.advertise, table.GetString("advertise", ""));
  if (!out.advertise.empty()) {
    QUIVER_RETURN_IF_ERROR(CheckAddress(table, "advertise", out.advertise));
    if (IsWildcardHost(out.advertise)) {
      return table.Invalid("advertise", "expected an address clients can connect to, found \"" +
                                            out.advertise + "\"");
    }
  } else if (IsWildcardHost(out.listen)) {
    const std::string port = out.listen.substr(out.listen.rfind(':') + 1);
    return table.Invalid("advertise", "missing required key: listen is \"" + out.listen +
                                          "\", so set the address clients connect to, e.g. "
                                          "advertise = \"192.168.1.10:" +
                                          port + "\"");
  }
  QUIVER_ASSIGN_OR_RETURN(std::string store_dir, table.RequireString("store_dir"));
  QUIVER_RETURN_IF_ERROR(CheckNonEmpty(table, "store_dir", store_dir, "\"/var/lib/quiver/b\""));
  out.store_dir = std::filesystem::path(store_dir);
  if (out.store_dir.is_relative()) out.store_dir = (file_dir / out.store_dir).lexically_normal();
  QUIVER_ASSIGN_OR_RETURN(out.auto_create_topic,
                          table.GetBool("auto_create_topic", out.auto_create_topic));
  QUIVER_ASSIGN_OR_RETURN(out.default_queues, table.GetIntInRange("default_queues", 4, 1, 1024));
  QUIVER_ASSIGN_OR_RETURN(out.max_message_size,
                          table.GetSize("max_message_size", out.max_message_size));
  if (out.max_message_size == 0) {
    return table.Invalid("max_message_size", "expected a size above 0B, found \"0B\"");
  }
  QUIVER_RETURN_IF_ERROR(ReadDelayLevels(table, out.delay_levels));
  QUIVER_ASSIGN_OR_RETURN(out.max_transfer_count,
                          table.GetIntInRange("max_transfer_count", out.max_transfer_count, 1,
                                              65536));
  QUIVER_ASSIGN_OR_RETURN(out.max_transfer_bytes,
                          table.GetSize("max_transfer_bytes", out.max_transfer_bytes));
  if (out.max_transfer_bytes == 0 || out.max_transfer_bytes > (15ULL << 20)) {
    // A pull answer must fit the transports' 16 MiB frame with its header.
    return table.Invalid("max_transfer_bytes", "expected a size from 1B to 15MiB, found " +
                                                   std::to_string(out.max_transfer_bytes) +
                                                   " bytes");
  }
  return table.CheckAllRead(
      "not a key of [broker]: cluster, name, id, listen, advertise, store_dir, "
      "auto_create_topic, default_queues, max_message_size, delay_levels, max_transfer_count, "
      "max_transfer_bytes");
}

std::string DefaultInstanceName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "localhost") + "@" + std::to_string(getpid());
}

Status ReadClient(const TomlConfigView& table, ClientSettings& out) {
  QUIVER_ASSIGN_OR_RETURN(out.instance_name, table.GetString("instance_name", ""));
  if (out.instance_name.empty()) out.instance_name = DefaultInstanceName();
  QUIVER_ASSIGN_OR_RETURN(out.request_timeout,
                          table.GetDuration("request_timeout", out.request_timeout));
  if (out.request_timeout.count() <= 0) {
    return table.Invalid("request_timeout", "expected a duration above 0ms");
  }
  return table.CheckAllRead("not a key of [client]: instance_name, request_timeout");
}

bool IsPluginName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Reads [<kind>] plugin and returns the choice; warns about the tables of other plugins.
StatusOr<PluginChoice> ReadKind(const TomlConfigView& root, const KindDefault& kind,
                                NodeConfig& config) {
  QUIVER_ASSIGN_OR_RETURN(auto table, root.SubTable(kind.table));
  PluginChoice choice;
  choice.kind = kind.kind;
  QUIVER_ASSIGN_OR_RETURN(choice.name, table->GetString("plugin", kind.default_plugin));
  if (!IsPluginName(choice.name)) {
    return table->Invalid(
        "plugin", "expected a plugin name (letters, digits, '-', '_') such as \"" +
                      std::string(kind.default_plugin) + "\", found \"" + choice.name + "\"");
  }
  QUIVER_ASSIGN_OR_RETURN(choice.config, table->SubTable(choice.name));
  const std::string prefix(kind.table);
  for (const std::string& key : table->Keys()) {
    if (key == "plugin" || key == choice.name) continue;
    if (table->IsTable(key)) {
      config.warnings.push_back(table->KeyPosition(key) + ": table [" + prefix + "." + key +
                                "] is for " + prefix + " plugin \"" + key +
                                "\", which is not selected ([" + prefix + "] plugin = \"" +
                                choice.name + "\"); ignored");
    } else {
      return InvalidArgumentError(table->KeyPosition(key) + ": unknown key " + prefix + "." + key +
                                  " (not a key of [" + prefix + "]: plugin, and [" + prefix +
                                  ".<plugin>] tables); check its spelling");
    }
  }
  return choice;
}

}  // namespace

std::string_view NodeRoleName(NodeRole role) {
  switch (role) {
    case NodeRole::kNameserver:
      return "nameserver";
    case NodeRole::kBroker:
      return "broker";
    case NodeRole::kClient:
      return "client";
  }
  return "unknown";
}

const PluginChoice& NodeConfig::Plugin(PluginKind kind) const {
  for (const PluginChoice& p : plugins) {
    if (p.kind == kind) return p;
  }
  QUIVER_CHECK_MSG(false, "the role does not use plugin kind " + std::string(PluginKindName(kind)));
  return plugins.front();
}

StatusOr<NodeConfig> ReadNodeConfig(std::shared_ptr<const TomlConfigView> root,
                                    const std::filesystem::path& file) {
  NodeConfig config;
  config.file = file;
  config.root = root;
  const std::filesystem::path file_dir =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();

  if (!root->Has("role")) {
    return root->Invalid("role",
                         "missing required key; add role = \"nameserver\", "
                         "\"broker\" or \"client\" at the top of the file");
  }
  QUIVER_ASSIGN_OR_RETURN(std::string role, root->GetString("role", ""));
  if (role == "nameserver") {
    config.role = NodeRole::kNameserver;
  } else if (role == "broker") {
    config.role = NodeRole::kBroker;
  } else if (role == "client") {
    config.role = NodeRole::kClient;
  } else {
    return root->Invalid(
        "role", "expected one of \"nameserver\", \"broker\", \"client\", found \"" + role + "\"");
  }

  // Top-level keys: unknown ones are errors; tables of other roles and kinds are warnings.
  for (const std::string& key : root->Keys()) {
    if (key == "role" || key == "plugin_dirs" || key == "log") continue;
    if (IsRoleTable(key)) {
      if (key != role) {
        config.warnings.push_back(root->KeyPosition(key) + ": table [" + key +
                                  "] is not used by role \"" + role + "\"; ignored");
      }
      continue;
    }
    if (const KindDefault* kind = FindKind(key)) {
      if (!RoleUsesKind(config.role, kind->kind)) {
        config.warnings.push_back(root->KeyPosition(key) + ": table [" + key +
                                  "] is not used by role \"" + role + "\"; ignored");
      }
      continue;
    }
    return InvalidArgumentError(
        root->KeyPosition(key) + ": unknown key " + key +
        " (not a top-level key: role, plugin_dirs, [log], [nameserver], [broker], [client], "
        "[transport], [registry], [storage], [replication]); check its spelling");
  }

  QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> dirs, root->GetStringList("plugin_dirs", {}));
  for (const std::string& dir : dirs) {
    std::filesystem::path p(dir);
    config.plugin_dirs.push_back(p.is_relative() ? (file_dir / p).lexically_normal() : p);
  }
  QUIVER_RETURN_IF_ERROR(ReadLog(*root, config));

  QUIVER_ASSIGN_OR_RETURN(auto role_table, root->SubTable(role));
  switch (config.role) {
    case NodeRole::kNameserver:
      QUIVER_RETURN_IF_ERROR(ReadNameserver(*role_table, config.nameserver));
      break;
    case NodeRole::kBroker:
      QUIVER_RETURN_IF_ERROR(ReadBroker(*role_table, file_dir, config.broker));
      break;
    case NodeRole::kClient:
      QUIVER_RETURN_IF_ERROR(ReadClient(*role_table, config.client));
      break;
  }

  for (const KindDefault& kind : kKinds) {
    if (!RoleUsesKind(config.role, kind.kind)) continue;
    QUIVER_ASSIGN_OR_RETURN(PluginChoice choice, ReadKind(*root, kind, config));
    config.plugins.push_back(std::move(choice));
  }
  return config;
}

StatusOr<NodeConfig> LoadNodeConfig(const std::filesystem::path& file) {
  QUIVER_ASSIGN_OR_RETURN(auto root, TomlConfigView::LoadFile(file));
  return ReadNodeConfig(std::move(root), file);
}

Status CheckPluginTables(const NodeConfig& config) {
  for (const PluginChoice& plugin : config.plugins) {
    const std::string reader = "not read by " + std::string(PluginKindName(plugin.kind)) +
                               " plugin \"" + plugin.name + "\"";
    QUIVER_RETURN_IF_ERROR(plugin.config->CheckAllRead(reader));
  }
  return Status::Ok();
}

StatusOr<std::string> ReadLogLevel(const std::filesystem::path& file) {
  QUIVER_ASSIGN_OR_RETURN(auto root, TomlConfigView::LoadFile(file));
  QUIVER_ASSIGN_OR_RETURN(auto log, root->SubTable("log"));
  return log->GetEnum("level", "info", {"trace", "debug", "info", "warn", "error"});
}

}  // namespace quiver::kernel
