#pragma once
// Latency histogram for `quiver bench`: log-bucketed in the manner of HdrHistogram, with
// 64 linear sub-buckets per power of two, so any recorded value is reported within 1/128
// of itself (the middle of its bucket), from 1 ns to 2^64 ns, in a fixed 30 KiB table.
//
// Threading: Record() may be called from any number of threads at once (relaxed atomic
// counters); the readers (Count, Percentile, Max, Mean) may run concurrently with Record()
// and then see some recent values or not (progress lines). Merge() and Reset() must not
// race with Record() on the same histogram.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace quiver::tools::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 6;  // 64 sub-buckets per octave above 127
  static constexpr std::size_t kBucketCount = 128 + (64 - 7) * 64;

  Histogram() = default;
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Record(std::uint64_t value);
  // Adds every value recorded in `other`.
  void Merge(const Histogram& other);
  void Reset();

  std::uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  // 0 when empty.
  std::uint64_t Max() const { return max_.load(std::memory_order_relaxed); }
  std::uint64_t Min() const;
  double Mean() const;
  // The value at quantile `q` in [0, 1] (0.99 = p99): the middle of the bucket that holds
  // the ceil(q * Count())-th smallest value, clamped to [Min(), Max()]; 0 when empty.
  std::uint64_t Percentile(double q) const;

  // Bucket arithmetic (public for tests).
  static std::size_t BucketOf(std::uint64_t value);
  static std::uint64_t BucketLow(std::size_t bucket);
  static std::uint64_t BucketHigh(std::size_t bucket);  // inclusive

 private:
  std::array<std::atomic<std::uint64_t>, kBucketCount> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> max_{0};
  std::atomic<std::uint64_t> min_{UINT64_MAX};
};

}  // namespace quiver::tools::bench
