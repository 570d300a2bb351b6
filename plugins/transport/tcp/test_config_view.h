#pragma once
// A ConfigView backed by a map, for tests: values are TOML-like (integer, string, bool).
// Where(key) is "test:" + key. Sub-tables and string lists are not supported.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "quiver/config_view.h"
#include "quiver/units.h"

namespace quiver::transport::tcp::testing {

class MapConfigView final : public ConfigView {
 public:
  using Value = std::variant<std::int64_t, std::string, bool>;
  MapConfigView() = default;
  explicit MapConfigView(std::map<std::string, Value, std::less<>> values)
      : values_(std::move(values)) {}

  std::string Path() const override { return "test"; }
  std::string Where(std::string_view key) const override { return "test:" + std::string(key); }
  bool Has(std::string_view key) const override { return values_.find(key) != values_.end(); }

  StatusOr<std::string> GetString(std::string_view key, std::string_view fallback) const override {
    const Value* v = Find(key);
    if (v == nullptr) return std::string(fallback);
    if (const auto* s = std::get_if<std::string>(v)) return *s;
    return Invalid(key, "expected a string");
  }
  StatusOr<std::int64_t> GetInt(std::string_view key, std::int64_t fallback) const override {
    const Value* v = Find(key);
    if (v == nullptr) return fallback;
    if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
    return Invalid(key, "expected an integer");
  }
  StatusOr<bool> GetBool(std::string_view key, bool fallback) const override {
    const Value* v = Find(key);
    if (v == nullptr) return fallback;
    if (const auto* b = std::get_if<bool>(v)) return *b;
    return Invalid(key, "expected a boolean");
  }
  StatusOr<Duration> GetDuration(std::string_view key, Duration fallback) const override {
    const Value* v = Find(key);
    if (v == nullptr) return fallback;
    const auto* s = std::get_if<std::string>(v);
    if (s == nullptr) return Invalid(key, "expected a duration string");
    StatusOr<Duration> d = ParseDuration(*s);
    if (!d.ok()) return Invalid(key, d.status().message());
    return d;
  }
  StatusOr<std::uint64_t> GetSize(std::string_view key, std::uint64_t fallback) const override {
    const Value* v = Find(key);
    if (v == nullptr) return fallback;
    const auto* s = std::get_if<std::string>(v);
    if (s == nullptr) return Invalid(key, "expected a size string");
    StatusOr<std::uint64_t> size = ParseSize(*s);
    if (!size.ok()) return Invalid(key, size.status().message());
    return size;
  }
  StatusOr<std::vector<std::string>> GetStringList(
      std::string_view key, const std::vector<std::string>& fallback) const override {
    return Invalid(key, "string lists are not supported by MapConfigView");
  }
  StatusOr<std::string> RequireString(std::string_view key) const override {
    if (!Has(key)) return Invalid(key, "missing required key");
    return GetString(key, "");
  }
  StatusOr<std::int64_t> RequireInt(std::string_view key) const override {
    if (!Has(key)) return Invalid(key, "missing required key");
    return GetInt(key, 0);
  }
  StatusOr<std::vector<std::string>> RequireStringList(std::string_view key) const override {
    return Invalid(key, "string lists are not supported by MapConfigView");
  }
  StatusOr<std::shared_ptr<const ConfigView>> Table(std::string_view key) const override {
    return Invalid(key, "tables are not supported by MapConfigView");
  }

 private:
  const Value* Find(std::string_view key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace quiver::transport::tcp::testing
