#include "quiver/units.h"

#include <charconv>
#include <limits>

namespace quiver {
inline namespace v1 {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Splits "30s" into 30 and "s". Digits only: no sign, no spaces, no fractions.
bool SplitNumber(std::string_view text, std::uint64_t& number, std::string_view& suffix) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i) return false;
  suffix = text.substr(i);
  return true;
}

template <std::size_t N>
bool Scale(std::string_view text, const Unit (&units)[N], std::uint64_t& out) {
  std::uint64_t number = 0;
  std::string_view suffix;
  if (!SplitNumber(text, number, suffix)) return false;
  for (const Unit& unit : units) {
    if (suffix == unit.suffix) {
      if (number > std::numeric_limits<std::uint64_t>::max() / unit.factor) return false;
      out = number * unit.factor;
      return true;
    }
  }
  return false;
}

constexpr Unit kDurationUnits[] = {{"ms", 1'000'000ULL},
                                   {"s", 1'000'000'000ULL},
                                   {"m", 60'000'000'000ULL},
                                   {"h", 3'600'000'000'000ULL}};
constexpr Unit kSizeUnits[] = {
    {"B", 1ULL}, {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}};

}  // namespace

StatusOr<Duration> ParseDuration(std::string_view text) {
  std::uint64_t ns = 0;
  if (!Scale(text, kDurationUnits, ns) ||
      ns > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) {
    return InvalidArgumentError(
        "expected a duration such as \"500ms\" or \"30s\" (an integer "
        "and one of ms, s, m, h), found \"" +
        std::string(text) + "\"");
  }
  return Duration(static_cast<Duration::rep>(ns));
}

StatusOr<std::uint64_t> ParseSize(std::string_view text) {
  std::uint64_t bytes = 0;
  if (!Scale(text, kSizeUnits, bytes)) {
    return InvalidArgumentError(
        "expected a size such as \"4MiB\" (an integer and one of B, "
        "KiB, MiB, GiB), found \"" +
        std::string(text) + "\"");
  }
  return bytes;
}

std::string FormatDuration(Duration d) {
  auto ns = static_cast<std::uint64_t>(d.count());
  for (auto it = std::rbegin(kDurationUnits); it != std::rend(kDurationUnits); ++it) {
    if (ns % it->factor == 0) return std::to_string(ns / it->factor) + std::string(it->suffix);
  }
  return std::to_string(ns / 1'000'000ULL) + "ms";
}

std::string FormatSize(std::uint64_t bytes) {
  for (auto it = std::rbegin(kSizeUnits); it != std::rend(kSizeUnits); ++it) {
    if (bytes != 0 && bytes % it->factor == 0) {
      return std::to_string(bytes / it->factor) + std::string(it->suffix);
    }
  }
  return std::to_string(bytes) + "B";
}

}  // namespace v1
}  // namespace quiver
