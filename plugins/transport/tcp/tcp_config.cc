#include "tcp_config.h"

#include <string>

#include "quiver/units.h"

namespace quiver::transport::tcp {
namespace {

constexpr std::uint64_t kMinFrameSize = 1024;
// The length prefix is a signed 32-bit integer.
constexpr std::uint64_t kMaxFrameSize = 0x7fffffff;

std::string Format(Duration d) {
  return d == Duration::zero() ? std::string("0s") : FormatDuration(d);
}

Status CheckDuration(const ConfigView& config, std::string_view key, Duration value, Duration min,
                     Duration max) {
  if (value < min || value > max) {
    return config.Invalid(key, "expected a duration from " + Format(min) + " to " + Format(max) +
                                   ", found " + Format(value));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<TcpConfig> ParseTcpConfig(const ConfigView& config) {
  TcpConfig out;
  QUIVER_ASSIGN_OR_RETURN(std::int64_t io_threads,
                          config.GetIntInRange("io_threads", out.io_threads, 1, 256));
  out.io_threads = static_cast<int>(io_threads);

  QUIVER_ASSIGN_OR_RETURN(std::uint64_t max_frame,
                          config.GetSize("max_frame_size", out.max_frame_size));
  if (max_frame < kMinFrameSize || max_frame > kMaxFrameSize) {
    return config.Invalid("max_frame_size", "expected a size from 1KiB to 2147483647B, found " +
                                                FormatSize(max_frame));
  }
  out.max_frame_size = static_cast<std::size_t>(max_frame);

  QUIVER_ASSIGN_OR_RETURN(out.idle_timeout, config.GetDuration("idle_timeout", out.idle_timeout));
  QUIVER_RETURN_IF_ERROR(CheckDuration(config, "idle_timeout", out.idle_timeout, Duration::zero(),
                                       std::chrono::hours(24 * 7)));

  QUIVER_ASSIGN_OR_RETURN(
      std::int64_t max_connections,
      config.GetIntInRange("max_connections", out.max_connections, 1, 1'000'000));
  out.max_connections = static_cast<int>(max_connections);

  QUIVER_ASSIGN_OR_RETURN(
      std::int64_t max_in_flight,
      config.GetIntInRange("max_in_flight", out.max_in_flight, 1, 16 * 1024 * 1024));
  out.max_in_flight = static_cast<int>(max_in_flight);

  QUIVER_ASSIGN_OR_RETURN(out.connect_timeout,
                          config.GetDuration("connect_timeout", out.connect_timeout));
  QUIVER_RETURN_IF_ERROR(CheckDuration(config, "connect_timeout", out.connect_timeout,
                                       std::chrono::milliseconds(1), std::chrono::minutes(10)));

  QUIVER_ASSIGN_OR_RETURN(out.reconnect_backoff_max,
                          config.GetDuration("reconnect_backoff_max", out.reconnect_backoff_max));
  QUIVER_RETURN_IF_ERROR(CheckDuration(config, "reconnect_backoff_max", out.reconnect_backoff_max,
                                       Duration::zero(), std::chrono::hours(1)));
  return out;
}

}  // namespace quiver::transport::tcp
