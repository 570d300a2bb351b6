#include "kernel/config/toml_config_view.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include <toml++/toml.h>

#include "quiver/units.h"

namespace quiver::kernel {

struct TomlConfigView::FileState {
  std::string file_name;
  toml::table root;
  mutable std::mutex mu;
  std::set<std::vector<std::string>> read;    // full key paths read through any view
  std::set<std::vector<std::string>> opened;  // sub-tables opened with Table()
};

namespace {

constexpr std::string_view kDurationSyntax =
    "expected a duration such as \"500ms\" or \"30s\" (an integer and one of ms, s, m, h)";
constexpr std::string_view kSizeSyntax =
    "expected a size such as \"4MiB\" (an integer and one of B, KiB, MiB, GiB)";

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& part : path) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

const toml::table* TableAt(const toml::table& root, const std::vector<std::string>& path) {
  const toml::table* table = &root;
  for (const std::string& part : path) {
    const toml::node* node = table->get(part);
    if (node == nullptr || !node->is_table()) return nullptr;
    table = node->as_table();
  }
  return table;
}

std::string Position(const std::string& file, const toml::source_region& source) {
  if (source.begin.line == 0) return file;
  return file + ":" + std::to_string(source.begin.line) + ":" + std::to_string(source.begin.column);
}

// "a string (\"x\")", "an integer (5)", ... for "found ..." in messages.
std::string Describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string:
      out << "a string (\"" << node.as_string()->get() << "\")";
      break;
    case toml::node_type::integer:
      out << "an integer (" << node.as_integer()->get() << ")";
      break;
    case toml::node_type::floating_point:
      out << "a float (" << node.as_floating_point()->get() << ")";
      break;
    case toml::node_type::boolean:
      out << "a boolean (" << (node.as_boolean()->get() ? "true" : "false") << ")";
      break;
    case toml::node_type::array:
      out << "an array";
      break;
    case toml::node_type::table:
      out << "a table";
      break;
    case toml::node_type::date:
      out << "a date";
      break;
    case toml::node_type::time:
      out << "a time";
      break;
    case toml::node_type::date_time:
      out << "a date-time";
      break;
    default:
      out << "nothing";
      break;
  }
  return out.str();
}

StatusOr<std::shared_ptr<const TomlConfigView>> MakeRoot(toml::table root, std::string name) {
  auto state = std::make_shared<TomlConfigView::FileState>();
  state->file_name = std::move(name);
  state->root = std::move(root);
  return std::shared_ptr<const TomlConfigView>(
      std::make_shared<TomlConfigView>(std::move(state), std::vector<std::string>{}));
}

}  // namespace

StatusOr<std::shared_ptr<const TomlConfigView>> TomlConfigView::Parse(std::string_view text,
                                                                      std::string file_name) {
  try {
    toml::table root = toml::parse(text, std::string_view{file_name});
    return MakeRoot(std::move(root), std::move(file_name));
  } catch (const toml::parse_error& error) {
    return InvalidArgumentError(Position(file_name, error.source()) + ": " +
                                std::string(error.description()));
  }
}

StatusOr<std::shared_ptr<const TomlConfigView>> TomlConfigView::LoadFile(
    const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError(name + ": cannot read the file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError(name + ": cannot read the file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return InvalidArgumentError(name + ": cannot read the file: " + std::strerror(errno));
  }
  return Parse(text.str(), name);
}

TomlConfigView::TomlConfigView(std::shared_ptr<FileState> file, std::vector<std::string> path)
    : file_(std::move(file)), path_(std::move(path)) {}

TomlConfigView::~TomlConfigView() = default;

const std::string& TomlConfigView::file_name() const { return file_->file_name; }

std::string TomlConfigView::Path() const { return JoinPath(path_); }

std::string TomlConfigView::FullPath(std::string_view key) const {
  std::string out = Path();
  if (!key.empty()) {
    if (!out.empty()) out += '.';
    out += key;
  }
  return out;
}

bool TomlConfigView::Exists() const { return TableAt(file_->root, path_) != nullptr; }

std::string TomlConfigView::Where(std::string_view key) const {
  const toml::table* table = TableAt(file_->root, path_);
  std::string position = file_->file_name;
  if (table != nullptr) {
    const toml::node* node = key.empty() ? nullptr : table->get(key);
    // A present key points at its value; an absent one at its table (if not the root).
    if (node != nullptr) {
      position = Position(file_->file_name, node->source());
    } else if (!path_.empty()) {
      position = Position(file_->file_name, table->source());
    }
  }
  std::string full = FullPath(key);
  if (full.empty()) return position;
  return position + ": " + full;
}

std::string TomlConfigView::KeyPosition(std::string_view key) const {
  const toml::table* table = TableAt(file_->root, path_);
  if (table == nullptr) return file_->file_name;
  if (key.empty()) {
    return path_.empty() ? file_->file_name : Position(file_->file_name, table->source());
  }
  auto it = table->find(key);
  if (it == table->end()) return file_->file_name;
  return Position(file_->file_name, it->first.source());
}

std::vector<std::string> TomlConfigView::Keys() const {
  const toml::table* table = TableAt(file_->root, path_);
  std::vector<std::pair<std::tuple<std::uint32_t, std::uint32_t>, std::string>> keys;
  if (table != nullptr) {
    for (auto&& [k, v] : *table) {
      keys.push_back({{k.source().begin.line, k.source().begin.column}, std::string(k.str())});
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> out;
  for (auto& [pos, k] : keys) out.push_back(std::move(k));
  return out;
}

bool TomlConfigView::IsTable(std::string_view key) const {
  const toml::table* table = TableAt(file_->root, path_);
  if (table == nullptr) return false;
  const toml::node* node = table->get(key);
  return node != nullptr && node->is_table();
}

void TomlConfigView::MarkRead(std::string_view key) const {
  std::vector<std::string> full = path_;
  full.emplace_back(key);
  std::lock_guard<std::mutex> lock(file_->mu);
  file_->read.insert(std::move(full));
}

namespace {

// The node of `key` in the view's table (null when the table or key is absent).
const toml::node* Lookup(const toml::table& root, const std::vector<std::string>& path,
                         std::string_view key) {
  const toml::table* table = TableAt(root, path);
  return table == nullptr ? nullptr : table->get(key);
}

}  // namespace

bool TomlConfigView::Has(std::string_view key) const {
  MarkRead(key);
  return Lookup(file_->root, path_, key) != nullptr;
}

StatusOr<std::string> TomlConfigView::GetString(std::string_view key,
                                                std::string_view fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return std::string(fallback);
  if (const auto* value = node->as_string()) return value->get();
  return Invalid(key, "expected a string, found " + Describe(*node));
}

StatusOr<std::int64_t> TomlConfigView::GetInt(std::string_view key, std::int64_t fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return fallback;
  if (const auto* value = node->as_integer()) return value->get();
  return Invalid(key, "expected an integer, found " + Describe(*node));
}

StatusOr<bool> TomlConfigView::GetBool(std::string_view key, bool fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return fallback;
  if (const auto* value = node->as_boolean()) return value->get();
  return Invalid(key, "expected true or false, found " + Describe(*node));
}

StatusOr<Duration> TomlConfigView::GetDuration(std::string_view key, Duration fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_string();
  if (value == nullptr) {
    return Invalid(key, std::string(kDurationSyntax) + ", found " + Describe(*node));
  }
  StatusOr<Duration> parsed = ParseDuration(value->get());
  if (!parsed.ok()) return Invalid(key, parsed.status().message());
  return *parsed;
}

StatusOr<std::uint64_t> TomlConfigView::GetSize(std::string_view key,
                                                std::uint64_t fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_string();
  if (value == nullptr) {
    return Invalid(key, std::string(kSizeSyntax) + ", found " + Describe(*node));
  }
  StatusOr<std::uint64_t> parsed = ParseSize(value->get());
  if (!parsed.ok()) return Invalid(key, parsed.status().message());
  return *parsed;
}

StatusOr<std::vector<std::string>> TomlConfigView::GetStringList(
    std::string_view key, const std::vector<std::string>& fallback) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node == nullptr) return fallback;
  const auto* array = node->as_array();
  if (array == nullptr) {
    return Invalid(
        key, "expected an array of strings such as [\"127.0.0.1:9876\"], found " + Describe(*node));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* item = (*array)[i].as_string();
    if (item == nullptr) {
      return Invalid(key, "expected an array of strings, found " + Describe((*array)[i]) +
                              " at index " + std::to_string(i));
    }
    out.push_back(item->get());
  }
  return out;
}

StatusOr<std::string> TomlConfigView::RequireString(std::string_view key) const {
  if (!Has(key)) return Invalid(key, "missing required key (expected a string)");
  return GetString(key, "");
}

StatusOr<std::int64_t> TomlConfigView::RequireInt(std::string_view key) const {
  if (!Has(key)) return Invalid(key, "missing required key (expected an integer)");
  return GetInt(key, 0);
}

StatusOr<std::vector<std::string>> TomlConfigView::RequireStringList(std::string_view key) const {
  if (!Has(key)) {
    return Invalid(key,
                   "missing required key (expected an array of strings such as "
                   "[\"127.0.0.1:9876\"])");
  }
  return GetStringList(key, {});
}

StatusOr<std::shared_ptr<const TomlConfigView>> TomlConfigView::SubTable(
    std::string_view key) const {
  MarkRead(key);
  const toml::node* node = Lookup(file_->root, path_, key);
  if (node != nullptr && !node->is_table()) {
    return Invalid(key, "expected a table, found " + Describe(*node));
  }
  std::vector<std::string> path = path_;
  path.emplace_back(key);
  {
    std::lock_guard<std::mutex> lock(file_->mu);
    file_->opened.insert(path);
  }
  return std::shared_ptr<const TomlConfigView>(
      std::make_shared<TomlConfigView>(file_, std::move(path)));
}

StatusOr<std::shared_ptr<const ConfigView>> TomlConfigView::Table(std::string_view key) const {
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<const TomlConfigView> view, SubTable(key));
  return std::shared_ptr<const ConfigView>(std::move(view));
}

namespace {

struct Unread {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string path;
};

void CollectUnread(const TomlConfigView::FileState& file, const toml::table& table,
                   const std::vector<std::string>& path, std::vector<Unread>& out) {
  for (auto&& [k, v] : table) {
    std::vector<std::string> full = path;
    full.emplace_back(k.str());
    if (file.read.count(full) == 0) {
      out.push_back({k.source().begin.line, k.source().begin.column, JoinPath(full)});
    } else if (v.is_table() && file.opened.count(full) != 0) {
      CollectUnread(file, *v.as_table(), full, out);
    }
  }
}

}  // namespace

Status TomlConfigView::CheckAllRead(std::string_view reader) const {
  const toml::table* table = TableAt(file_->root, path_);
  if (table == nullptr) return Status::Ok();
  std::vector<Unread> unread;
  {
    std::lock_guard<std::mutex> lock(file_->mu);
    CollectUnread(*file_, *table, path_, unread);
  }
  if (unread.empty()) return Status::Ok();
  auto first = std::min_element(unread.begin(), unread.end(), [](const Unread& a, const Unread& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::string position = file_->file_name;
  if (first->line != 0) {
    position += ":" + std::to_string(first->line) + ":" + std::to_string(first->column);
  }
  return InvalidArgumentError(position + ": unknown key " + first->path + " (" +
                              std::string(reader) + "); check its spelling");
}

}  // namespace quiver::kernel
