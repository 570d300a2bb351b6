#pragma once
// An in-memory ConfigView for plugin unit tests (the kernel's real one reads TOML).
//
//   testing::MapConfigView config("storage.commitlog",
//                                 {{"segment_size", "4MiB"}, {"flush", "sync"}});
//
// Values are given as text and converted by the typed getter, as the TOML view would
// convert a TOML value: "true"/"false" for booleans, decimal integers, durations and
// sizes in Quiver's syntax, and lists as comma-separated text. Keys read are recorded
// (UnreadKeys()), so a test can check that a plugin reads every key it supports.
// Nested tables are not supported. Thread safety: as ConfigView (reads are locked).

#include <charconv>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "quiver/config_view.h"
#include "quiver/units.h"

namespace quiver::testing {

class MapConfigView final : public ConfigView {
 public:
  explicit MapConfigView(std::string path, std::map<std::string, std::string> values = {})
      : path_(std::move(path)), values_(std::move(values)) {}

  std::vector<std::string> UnreadKeys() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : values_) {
      if (!read_.count(k)) out.push_back(k);
    }
    return out;
  }

  std::string Path() const override { return path_; }
  std::string Where(std::string_view key) const override {
    return "test.toml: " + (path_.empty() ? std::string(key) : path_ + "." + std::string(key));
  }
  bool Has(std::string_view key) const override { return Find(key) != nullptr; }

  StatusOr<std::string> GetString(std::string_view key, std::string_view fallback) const override {
    const std::string* v = Find(key);
    return v ? *v : std::string(fallback);
  }
  StatusOr<std::int64_t> GetInt(std::string_view key, std::int64_t fallback) const override {
    const std::string* v = Find(key);
    if (!v) return fallback;
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || ptr != v->data() + v->size()) {
      return Invalid(key, "expected an integer, found \"" + *v + "\"");
    }
    return out;
  }
  StatusOr<bool> GetBool(std::string_view key, bool fallback) const override {
    const std::string* v = Find(key);
    if (!v) return fallback;
    if (*v == "true") return true;
    if (*v == "false") return false;
    return Invalid(key, "expected a boolean (true or false), found \"" + *v + "\"");
  }
  StatusOr<Duration> GetDuration(std::string_view key, Duration fallback) const override {
    const std::string* v = Find(key);
    if (!v) return fallback;
    StatusOr<Duration> d = ParseDuration(*v);
    if (!d.ok()) return Invalid(key, d.status().message());
    return d;
  }
  StatusOr<std::uint64_t> GetSize(std::string_view key, std::uint64_t fallback) const override {
    const std::string* v = Find(key);
    if (!v) return fallback;
    StatusOr<std::uint64_t> s = ParseSize(*v);
    if (!s.ok()) return Invalid(key, s.status().message());
    return s;
  }
  StatusOr<std::vector<std::string>> GetStringList(
      std::string_view key, const std::vector<std::string>& fallback) const override {
    const std::string* v = Find(key);
    if (!v) return fallback;
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v->size()) {
      std::size_t comma = v->find(',', start);
      if (comma == std::string::npos) comma = v->size();
      if (comma > start) out.push_back(v->substr(start, comma - start));
      start = comma + 1;
    }
    return out;
  }
  StatusOr<std::string> RequireString(std::string_view key) const override {
    if (!Has(key)) return Missing(key);
    return GetString(key, "");
  }
  StatusOr<std::int64_t> RequireInt(std::string_view key) const override {
    if (!Has(key)) return Missing(key);
    return GetInt(key, 0);
  }
  StatusOr<std::vector<std::string>> RequireStringList(std::string_view key) const override {
    if (!Has(key)) return Missing(key);
    return GetStringList(key, {});
  }
  StatusOr<std::shared_ptr<const ConfigView>> Table(std::string_view key) const override {
    return std::shared_ptr<const ConfigView>(std::make_shared<MapConfigView>(
        path_.empty() ? std::string(key) : path_ + "." + std::string(key)));
  }

 private:
  const std::string* Find(std::string_view key) const {
    std::lock_guard lock(mu_);
    auto it = values_.find(std::string(key));
    if (it == values_.end()) return nullptr;
    read_.insert(it->first);
    return &it->second;
  }
  Status Missing(std::string_view key) const { return Invalid(key, "missing required key"); }

  std::string path_;
  std::map<std::string, std::string> values_;
  mutable std::mutex mu_;
  mutable std::set<std::string> read_;
};

}  // namespace quiver::testing
