#include "tools/bench_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace quiver::tools::bench {

// Values below 128 have a bucket each. Above, a value of bit width w >= 8 keeps its top 7
// bits: shift = w - 7, mantissa = value >> shift in [64, 127], and octave `shift` owns the
// 64 buckets 128 + (shift - 1) * 64 + (mantissa - 64).
std::size_t Histogram::BucketOf(std::uint64_t value) {
  if (value < 128) return static_cast<std::size_t>(value);
  const int shift = std::bit_width(value) - 7;
  const std::uint64_t mantissa = value >> shift;
  return 128 + static_cast<std::size_t>(shift - 1) * 64 + static_cast<std::size_t>(mantissa - 64);
}

std::uint64_t Histogram::BucketLow(std::size_t bucket) {
  if (bucket < 128) return bucket;
  const int shift = static_cast<int>((bucket - 128) / 64) + 1;
  const std::uint64_t mantissa = (bucket - 128) % 64 + 64;
  return mantissa << shift;
}

std::uint64_t Histogram::BucketHigh(std::size_t bucket) {
  if (bucket < 128) return bucket;
  const int shift = static_cast<int>((bucket - 128) / 64) + 1;
  const std::uint64_t mantissa = (bucket - 128) % 64 + 64;
  // The last bucket ends at UINT64_MAX; (128 << 57) would overflow to 0, and 0 - 1 wraps.
  return ((mantissa + 1) << shift) - 1;
}

void Histogram::Record(std::uint64_t value) {
  buckets_[BucketOf(value)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  std::uint64_t seen = max_.load(std::memory_order_relaxed);
  while (value > seen && !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
  seen = min_.load(std::memory_order_relaxed);
  while (value < seen && !min_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

void Histogram::Merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t n = other.buckets_[i].load(std::memory_order_relaxed);
    if (n != 0) buckets_[i].fetch_add(n, std::memory_order_relaxed);
  }
  count_.fetch_add(other.Count(), std::memory_order_relaxed);
  sum_.fetch_add(other.sum_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  max_.store(std::max(Max(), other.Max()), std::memory_order_relaxed);
  min_.store(
      std::min(min_.load(std::memory_order_relaxed), other.min_.load(std::memory_order_relaxed)),
      std::memory_order_relaxed);
}

void Histogram::Reset() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
  min_.store(UINT64_MAX, std::memory_order_relaxed);
}

std::uint64_t Histogram::Min() const {
  return Count() == 0 ? 0 : min_.load(std::memory_order_relaxed);
}

double Histogram::Mean() const {
  const std::uint64_t n = Count();
  return n == 0 ? 0.0 : static_cast<double>(sum_.load(std::memory_order_relaxed)) / n;
}

std::uint64_t Histogram::Percentile(double q) const {
  const std::uint64_t n = Count();
  if (n == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * n)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const std::uint64_t low = BucketLow(i), high = BucketHigh(i);
      const std::uint64_t mid = low + (high - low) / 2;
      return std::clamp(mid, Min(), Max());
    }
  }
  return Max();  // Record() raced with this read
}

}  // namespace quiver::tools::bench
