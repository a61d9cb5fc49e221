// A latency histogram in the manner of HdrHistogram: logarithmic buckets
// with 16 linear sub-buckets per power of two, so every recorded value is
// kept within 1/16 (6.25%) of itself, at any magnitude, with no sampling.
// Values are unsigned integers (microseconds, say). Pure and not
// thread-safe; merge() combines histograms of several threads.
#pragma once

#include <array>
#include <cstdint>

namespace dfs {

class latency_histogram {
public:
  static constexpr int sub_bits = 4;
  static constexpr int sub_count = 1 << sub_bits;
  static constexpr int max_bits = 48;  // values up to 2^48 - 1
  static constexpr int bucket_count = (max_bits - sub_bits + 1) * sub_count;

  void record(uint64_t value, uint64_t times = 1) {
    counts_[index_of(value)] += times;
    total_ += times;
    if (value > max_)
      max_ = value;
    if (value < min_)
      min_ = value;
    sum_ += static_cast<double>(value) * static_cast<double>(times);
  }

  void merge(const latency_histogram& other) {
    for (int i = 0; i < bucket_count; ++i)
      counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    if (other.max_ > max_)
      max_ = other.max_;
    if (other.min_ < min_)
      min_ = other.min_;
  }

  void reset() { *this = latency_histogram{}; }

  // The value at quantile q (0..1): the highest value of the bucket that
  // holds it, capped at the largest value recorded; 0 when empty.
  uint64_t quantile(double q) const {
    if (total_ == 0)
      return 0;
    if (q <= 0)
      return min_;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (rank < 1)
      rank = 1;
    if (rank > total_)
      rank = total_;
    uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        auto hi = highest_of(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return total_ == 0 ? 0 : min_; }
  double mean() const { return total_ == 0 ? 0 : sum_ / static_cast<double>(total_); }

  static int index_of(uint64_t v) {
    if (v >= (uint64_t{1} << max_bits))
      v = (uint64_t{1} << max_bits) - 1;
    if (v < sub_count)
      return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    auto sub = static_cast<int>((v >> (msb - sub_bits)) & (sub_count - 1));
    return (msb - sub_bits + 1) * sub_count + sub;
  }
  // The largest value that falls in bucket i.
  static uint64_t highest_of(int i) {
    if (i < sub_count)
      return static_cast<uint64_t>(i);
    int msb = i / sub_count + sub_bits - 1;
    uint64_t sub = static_cast<uint64_t>(i % sub_count);
    uint64_t base = (uint64_t{1} << msb) | (sub << (msb - sub_bits));
    return base + (uint64_t{1} << (msb - sub_bits)) - 1;
  }

private:
  std::array<uint64_t, bucket_count> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
  double sum_ = 0;
};

}  // namespace dfs
