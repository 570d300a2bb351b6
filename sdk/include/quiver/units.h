#pragma once
// Parsing of the value syntax of Quiver's config (DESIGN.md §8): durations are an integer
// and one unit of ms, s, m, h ("500ms", "30s"); sizes an integer and one unit of B, KiB,
// MiB, GiB ("4MiB"). Errors name the accepted syntax; callers add the key and position.

#include <cstdint>
#include <string>
#include <string_view>

#include "quiver/clock.h"
#include "quiver/export.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {

QUIVER_SDK_API StatusOr<Duration> ParseDuration(std::string_view text);
QUIVER_SDK_API StatusOr<std::uint64_t> ParseSize(std::string_view text);
// The shortest exact spelling: 30000ms -> "30s", 4194304 -> "4MiB".
QUIVER_SDK_API std::string FormatDuration(Duration d);
QUIVER_SDK_API std::string FormatSize(std::uint64_t bytes);

}  // namespace v1
}  // namespace quiver
