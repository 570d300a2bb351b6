// Fuzz target: the master-slave HA decoders (plugins/replication/master-slave/ha_protocol.h,
// rocketmq-protocol.md §7.2), which read raw TCP from the other side of a replication link.
// Input: byte 0 picks the chunk size (1..16, or whole), the rest is the stream.
// Properties: no crash or sanitizer report; a report is never negative; a frame's body never
// exceeds the decoder's limit and the frames' bytes never exceed the input; feeding the
// stream in chunks gives exactly what feeding it at once gives (same reports, same frames,
// same verdict); a failed transfer decoder keeps refusing.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "ha_protocol.h"

namespace ms = quiver::replication::master_slave;

namespace {

constexpr std::int32_t kMaxBody = 4096;

struct ReportRun {
  bool ok = true;
  std::vector<std::int64_t> reports;  // every value a Feed returned
};

ReportRun FeedReports(std::span<const std::uint8_t> stream, std::size_t chunk) {
  ms::ReportDecoder decoder;
  ReportRun run;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    auto r = decoder.Feed(stream.subspan(at, std::min(chunk, stream.size() - at)));
    if (!r.ok()) {
      FUZZ_CHECK(r.status().code() == quiver::StatusCode::kInvalidArgument);
      run.ok = false;
      return run;
    }
    if (r->has_value()) {
      FUZZ_CHECK(**r >= 0);
      run.reports.push_back(**r);
    }
  }
  return run;
}

struct TransferRun {
  bool ok = true;
  std::vector<ms::TransferFrame> frames;
};

TransferRun FeedTransfers(std::span<const std::uint8_t> stream, std::size_t chunk) {
  ms::TransferDecoder decoder(kMaxBody);
  TransferRun run;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    auto part = stream.subspan(at, std::min(chunk, stream.size() - at));
    quiver::Status s = decoder.Feed(part, run.frames);
    if (!s.ok()) {
      FUZZ_CHECK(s.code() == quiver::StatusCode::kInvalidArgument);
      FUZZ_CHECK(!decoder.Feed(part, run.frames).ok());  // stays failed
      run.ok = false;
      return run;
    }
  }
  std::size_t bytes = 0;
  for (const ms::TransferFrame& f : run.frames) {
    FUZZ_CHECK(f.offset >= 0);
    FUZZ_CHECK(f.body.size() <= static_cast<std::size_t>(kMaxBody));
    bytes += ms::kTransferHeaderSize + f.body.size();
  }
  FUZZ_CHECK(bytes <= stream.size());
  return run;
}

bool SameFrames(const std::vector<ms::TransferFrame>& a, const std::vector<ms::TransferFrame>& b,
                std::size_t n) {
  if (a.size() < n || b.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].offset != b[i].offset || a[i].body != b[i].body) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = data[0] % 17 == 0 ? size : data[0] % 17;
  std::span<const std::uint8_t> stream(data + 1, size - 1);

  ReportRun whole_reports = FeedReports(stream, stream.size() + 1);
  ReportRun chunked_reports = FeedReports(stream, chunk);
  FUZZ_CHECK(whole_reports.ok == chunked_reports.ok);
  if (whole_reports.ok && !stream.empty()) {
    // One Feed returns only the last complete value; chunks return each chunk's last one.
    FUZZ_CHECK(whole_reports.reports.size() == (stream.size() >= ms::kReportSize ? 1u : 0u));
    if (!whole_reports.reports.empty()) {
      FUZZ_CHECK(!chunked_reports.reports.empty());
      FUZZ_CHECK(chunked_reports.reports.back() == whole_reports.reports.back());
    }
  }

  TransferRun whole = FeedTransfers(stream, stream.size() + 1);
  TransferRun chunked = FeedTransfers(stream, chunk);
  FUZZ_CHECK(whole.ok == chunked.ok);
  if (whole.ok) {
    FUZZ_CHECK(whole.frames.size() == chunked.frames.size());
    FUZZ_CHECK(SameFrames(whole.frames, chunked.frames, whole.frames.size()));
  }
  return 0;
}
