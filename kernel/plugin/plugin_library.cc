#include "kernel/plugin/plugin_library.h"

#include <boost/dll/library_info.hpp>
#include <cstddef>
#include <exception>
#include <utility>

#include "quiver/version.h"

namespace quiver::kernel {
namespace {

namespace dll = boost::dll;

// Every field ABI 1 defines ends with create_factory; later fields are optional.
constexpr std::size_t kMinDescriptorSize =
    offsetof(PluginDescriptor, create_factory) + sizeof(PluginDescriptor::create_factory);

// Messages are one line each: fold whatever a library or the OS put in.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::string Prefix(const std::filesystem::path& file) { return "plugin " + file.string() + ": "; }

// Boost.DLL's throwing overloads wrap dlerror() as
// "... (dlerror system message: <text>): <errc message>". Returns <text> without the file
// name dlerror puts first, or the whole what() when the shape differs.
std::string DlErrorText(const std::exception& e, const std::filesystem::path& file) {
  std::string_view what = e.what();
  constexpr std::string_view kMarker = "(dlerror system message: ";
  std::size_t begin = what.find(kMarker);
  std::size_t end = what.rfind(')');
  if (begin == std::string_view::npos || end == std::string_view::npos ||
      end < begin + kMarker.size()) {
    return OneLine(what);
  }
  std::string_view text = what.substr(begin + kMarker.size(), end - begin - kMarker.size());
  std::string file_prefix = file.string() + ": ";
  if (text.starts_with(file_prefix)) text.remove_prefix(file_prefix.size());
  return OneLine(text);
}

std::string LoadFailureHint(std::string_view dl_error) {
  if (dl_error.find("undefined symbol") != std::string_view::npos) {
    return "the plugin was built against another Quiver SDK or lacks a library it needs; "
           "rebuild it against Quiver SDK " QUIVER_VERSION_STRING " (plugin ABI " +
           std::to_string(kPluginAbiVersion) + ")";
  }
  if (dl_error.find("invalid ELF header") != std::string_view::npos ||
      dl_error.find("file too short") != std::string_view::npos) {
    return "it is not a shared library; remove it from the plugin directory or rebuild it";
  }
  if (dl_error.find("cannot open shared object file") != std::string_view::npos) {
    return "a library the plugin needs is missing; install it or fix the plugin's RPATH";
  }
  return "rebuild the plugin against Quiver SDK " QUIVER_VERSION_STRING;
}

std::string KindEnumerator(PluginKind kind) {
  switch (kind) {
    case PluginKind::kTransport:
      return "quiver::PluginKind::kTransport";
    case PluginKind::kRegistry:
      return "quiver::PluginKind::kRegistry";
    case PluginKind::kStorage:
      return "quiver::PluginKind::kStorage";
    case PluginKind::kReplication:
      return "quiver::PluginKind::kReplication";
  }
  return KindName(kind);
}

std::string JoinQuoted(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::string KindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kTransport:
    case PluginKind::kRegistry:
    case PluginKind::kStorage:
    case PluginKind::kReplication:
      return std::string(PluginKindName(kind));
  }
  return "unknown(" + std::to_string(static_cast<std::uint32_t>(kind)) + ")";
}

std::string PluginFileName(PluginKind kind, std::string_view name) {
  return "quiver-" + KindName(kind) + "-" + std::string(name) + ".so";
}

std::optional<PluginFileNameParts> ParsePluginFileName(std::string_view file_name) {
  constexpr std::string_view kPrefix = "quiver-";
  constexpr std::string_view kSuffix = ".so";
  if (!file_name.starts_with(kPrefix) || !file_name.ends_with(kSuffix)) return std::nullopt;
  std::string_view middle =
      file_name.substr(kPrefix.size(), file_name.size() - kPrefix.size() - kSuffix.size());
  for (PluginKind kind : {PluginKind::kTransport, PluginKind::kRegistry, PluginKind::kStorage,
                          PluginKind::kReplication}) {
    std::string kind_dash = std::string(PluginKindName(kind)) + "-";
    if (middle.starts_with(kind_dash) && middle.size() > kind_dash.size()) {
      return PluginFileNameParts{kind, std::string(middle.substr(kind_dash.size()))};
    }
  }
  return std::nullopt;
}

StatusOr<std::vector<std::string>> ExportedAliases(const std::filesystem::path& file) {
  try {
    dll::library_info info(file);
    return info.symbols(std::string(kBoostDllSection));
  } catch (const std::exception& e) {
    return InvalidArgumentError(Prefix(file) + "cannot read its symbols: " + OneLine(e.what()));
  } catch (...) {
    return InvalidArgumentError(Prefix(file) + "cannot read its symbols: unknown error");
  }
}

LoadedPlugin::LoadedPlugin(std::filesystem::path file, dll::shared_library library,
                           const PluginDescriptor* descriptor)
    : file_(std::move(file)), library_(std::move(library)), descriptor_(descriptor) {}

// The library unloads here, after every object that held this LoadedPlugin is gone.
LoadedPlugin::~LoadedPlugin() = default;

std::string_view LoadedPlugin::version() const {
  return descriptor_->version != nullptr ? descriptor_->version : "";
}

std::string_view LoadedPlugin::build_id() const {
  return descriptor_->build_id != nullptr ? descriptor_->build_id : "";
}

StatusOr<std::shared_ptr<const LoadedPlugin>> LoadedPlugin::Open(
    const std::filesystem::path& file) {
  dll::shared_library library;
  try {
    library.load(file, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    std::string dl_error = DlErrorText(e, file);
    return InvalidArgumentError(Prefix(file) + "cannot be loaded: " + dl_error + "; " +
                                LoadFailureHint(dl_error));
  } catch (...) {
    return InvalidArgumentError(Prefix(file) + "cannot be loaded: unknown error; rebuild it");
  }

  const PluginDescriptor* descriptor = nullptr;
  try {
    if (library.has(std::string(kPluginAlias))) {
      descriptor = &library.get_alias<const PluginDescriptor>(std::string(kPluginAlias));
    }
  } catch (...) {
    descriptor = nullptr;
  }
  if (descriptor == nullptr) {
    StatusOr<std::vector<std::string>> aliases = ExportedAliases(file);
    if (aliases.ok() && !aliases->empty()) {
      return InvalidArgumentError(
          Prefix(file) + "no quiver_plugin_v1 descriptor: it exports the Boost.DLL aliases [" +
          JoinQuoted(*aliases) +
          "], so it was built for another plugin interface; rebuild it "
          "against Quiver SDK " QUIVER_VERSION_STRING " (plugin ABI " +
          std::to_string(kPluginAbiVersion) + ")");
    }
    return InvalidArgumentError(
        Prefix(file) +
        "no quiver_plugin_v1 descriptor: the library exports no Boost.DLL "
        "alias; a plugin needs one QUIVER_PLUGIN(...) line (quiver/plugin_export.h)");
  }

  // abi_version is the one field whose place never changes; the others mean what ABI 1 says
  // only once it matches.
  if (descriptor->abi_version != kPluginAbiVersion) {
    return FailedPreconditionError(
        Prefix(file) + "wrong plugin ABI version: expected " + std::to_string(kPluginAbiVersion) +
        ", found " + std::to_string(descriptor->abi_version) +
        "; rebuild the plugin against Quiver SDK ABI " + std::to_string(kPluginAbiVersion) +
        " (Quiver " QUIVER_VERSION_STRING ")");
  }
  if (descriptor->descriptor_size < kMinDescriptorSize) {
    return InvalidArgumentError(
        Prefix(file) + "descriptor too small: expected at least " +
        std::to_string(kMinDescriptorSize) + " bytes, found descriptor_size " +
        std::to_string(descriptor->descriptor_size) + "; declare it with QUIVER_PLUGIN(...)");
  }
  if (descriptor->name == nullptr || descriptor->create_factory == nullptr) {
    return InvalidArgumentError(Prefix(file) + "malformed descriptor: " +
                                (descriptor->name == nullptr ? "name" : "create_factory") +
                                " is null; declare it with QUIVER_PLUGIN(...)");
  }
  return std::shared_ptr<const LoadedPlugin>(
      new LoadedPlugin(file, std::move(library), descriptor));
}

Status LoadedPlugin::CheckIdentity(PluginKind kind, std::string_view name) const {
  if (descriptor_->kind != kind) {
    std::string found = KindName(descriptor_->kind);
    std::string rename =
        ParsePluginFileName(PluginFileName(descriptor_->kind, this->name())).has_value()
            ? "rename the file to " + PluginFileName(descriptor_->kind, this->name()) +
                  " if it is a " + found + " plugin, or "
            : "";
    return FailedPreconditionError(
        Prefix(file_) + "wrong plugin kind: expected " + KindName(kind) + ", found " + found +
        "; " + rename + "rebuild it with QUIVER_PLUGIN(" + KindEnumerator(kind) + ", ...)");
  }
  if (this->name() != name) {
    return InvalidArgumentError(Prefix(file_) + "wrong plugin name: expected \"" +
                                std::string(name) + "\", found \"" + std::string(this->name()) +
                                "\"; rename the file to " +
                                PluginFileName(descriptor_->kind, this->name()) +
                                " or rebuild it declaring the name \"" + std::string(name) + "\"");
  }
  return Status::Ok();
}

}  // namespace quiver::kernel
