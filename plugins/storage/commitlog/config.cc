#include "config.h"

#include <algorithm>
#include <charconv>

namespace quiver::storage::commitlog {

StatusOr<CommitLogConfig> ParseConfig(const ConfigView& view) {
  CommitLogConfig c;
  QUIVER_ASSIGN_OR_RETURN(c.segment_size, view.GetSize("segment_size", c.segment_size));
  if (c.segment_size < 64 * 1024 || c.segment_size > (1ull << 40)) {
    return view.Invalid("segment_size", "expected a size from 64KiB to 1024GiB");
  }
  QUIVER_ASSIGN_OR_RETURN(std::string flush, view.GetEnum("flush", "async", {"async", "sync"}));
  c.flush = flush == "sync" ? FlushMode::kSync : FlushMode::kAsync;
  QUIVER_ASSIGN_OR_RETURN(c.flush_interval, view.GetDuration("flush_interval", c.flush_interval));
  if (c.flush_interval <= Duration::zero()) {
    return view.Invalid("flush_interval", "expected a positive duration");
  }
  QUIVER_ASSIGN_OR_RETURN(c.flush_min_pages,
                          view.GetIntInRange("flush_min_pages", c.flush_min_pages, 0, 1 << 20));
  QUIVER_ASSIGN_OR_RETURN(c.sync_flush_timeout,
                          view.GetDuration("sync_flush_timeout", c.sync_flush_timeout));
  if (c.sync_flush_timeout <= Duration::zero()) {
    return view.Invalid("sync_flush_timeout", "expected a positive duration");
  }
  // "0ms" turns gathering off (a duration is never negative: ParseDuration).
  QUIVER_ASSIGN_OR_RETURN(c.sync_flush_gather,
                          view.GetDuration("sync_flush_gather", c.sync_flush_gather));
  QUIVER_ASSIGN_OR_RETURN(c.file_reserved_time,
                          view.GetDuration("file_reserved_time", c.file_reserved_time));
  QUIVER_ASSIGN_OR_RETURN(std::string when, view.GetString("delete_when", "04"));
  int hour = -1;
  auto [ptr, ec] = std::from_chars(when.data(), when.data() + when.size(), hour);
  if (ec != std::errc() || ptr != when.data() + when.size() || when.size() > 2 || hour < 0 ||
      hour > 23) {
    return view.Invalid(
        "delete_when", "expected an hour of the day from \"00\" to \"23\", found \"" + when + "\"");
  }
  c.delete_when_hour = hour;
  QUIVER_ASSIGN_OR_RETURN(std::int64_t ratio,
                          view.GetIntInRange("disk_max_used_ratio", c.disk_max_used_ratio, 10, 95));
  c.disk_max_used_ratio = static_cast<int>(ratio);
  QUIVER_ASSIGN_OR_RETURN(std::int64_t force_ratio,
                          view.GetIntInRange("disk_force_clean_ratio",
                                             std::max<std::int64_t>(c.disk_force_clean_ratio, ratio),
                                             10, 99));
  if (force_ratio < ratio) {
    return view.Invalid("disk_force_clean_ratio",
                        "must be at least disk_max_used_ratio (" + std::to_string(ratio) +
                            "), found " + std::to_string(force_ratio));
  }
  c.disk_force_clean_ratio = static_cast<int>(force_ratio);
  QUIVER_ASSIGN_OR_RETURN(c.consume_queue_entries_per_file,
                          view.GetIntInRange("consume_queue_entries_per_file",
                                             c.consume_queue_entries_per_file, 16, 50000000));
  QUIVER_ASSIGN_OR_RETURN(c.check_crc_on_recover,
                          view.GetBool("check_crc_on_recover", c.check_crc_on_recover));
  return c;
}

}  // namespace quiver::storage::commitlog
