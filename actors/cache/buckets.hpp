// Resident entries by hit count, least recently used first within each
// count: the structure of lfu and seed-hybrid (the one evicts the front of
// the lowest bucket, the other scans bucket fronts for the lowest score).
// Every step is O(log n) in the number of distinct counts.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <list>
#include <map>
#include <unordered_map>
#include <vector>

#include "actors/cache/policy.hpp"

namespace dfs::cache {

class frequency_buckets {
public:
  struct entry {
    std::uint64_t bytes = 0;
    std::uint64_t count = 0;  // requests while resident
    std::uint64_t last = 0;   // `now` of the latest
    std::list<key>::iterator pos;
  };

  const entry* find(key k) const {
    auto i = index_.find(k);
    return i == index_.end() ? nullptr : &i->second;
  }

  // A hit: one more request, now.
  void hit(key k, std::uint64_t now) {
    entry& e = index_.at(k);
    unbucket(e);
    ++e.count;
    e.last = now;
    bucket(k, e);
  }

  void add(key k, std::uint64_t bytes, std::uint64_t now) {
    entry& e = index_[k];
    e.bytes = bytes;
    e.count = 1;
    e.last = now;
    bucket(k, e);
    bytes_ += bytes;
  }

  void erase(key k) {
    auto i = index_.find(k);
    if (i == index_.end())
      return;
    unbucket(i->second);
    bytes_ -= i->second.bytes;
    index_.erase(i);
  }

  std::uint64_t bytes() const { return bytes_; }
  std::size_t size() const { return index_.size(); }
  // count -> keys, least recently used first; never an empty bucket.
  const std::map<std::uint64_t, std::list<key>>& buckets() const { return buckets_; }

  // Aborts unless every key sits in its count's bucket, in order of last
  // use, and the sums agree and stay within `capacity`.
  void check(std::uint64_t capacity) const {
    std::size_t n = 0;
    std::uint64_t sum = 0;
    for (auto& [count, keys] : buckets_) {
      std::uint64_t last = 0;
      if (keys.empty())
        std::abort();
      for (key k : keys) {
        auto i = index_.find(k);
        if (i == index_.end() || i->second.count != count || i->second.last < last)
          std::abort();
        last = i->second.last;
        sum += i->second.bytes;
        ++n;
      }
    }
    if (n != index_.size() || sum != bytes_ || bytes_ > capacity)
      std::abort();
  }

private:
  void bucket(key k, entry& e) {
    auto& keys = buckets_[e.count];
    e.pos = keys.insert(keys.end(), k);
  }

  void unbucket(entry& e) {
    auto b = buckets_.find(e.count);
    b->second.erase(e.pos);
    if (b->second.empty())
      buckets_.erase(b);
  }

  std::uint64_t bytes_ = 0;
  std::unordered_map<key, entry> index_;
  std::map<std::uint64_t, std::list<key>> buckets_;
};

// A policy over frequency_buckets whose only choice is the victim:
// lookups count hits, inserts evict `victim(now)` until the object fits.
class bucket_policy : public policy {
public:
  explicit bucket_policy(std::uint64_t capacity) : capacity_(capacity) {}

  bool lookup(key k, std::uint64_t now) override {
    if (!entries_.find(k))
      return false;
    entries_.hit(k, now);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t now, std::vector<key>& evicted) override {
    if (entries_.find(k))
      return true;
    if (bytes > capacity_)
      return false;
    while (entries_.bytes() + bytes > capacity_) {
      key out = victim(now);
      evicted.push_back(out);
      entries_.erase(out);
    }
    entries_.add(k, bytes, now);
    return true;
  }

  void erase(key k) override { entries_.erase(k); }
  bool contains(key k) const override { return entries_.find(k) != nullptr; }
  std::uint64_t bytes() const override { return entries_.bytes(); }
  std::size_t entries() const override { return entries_.size(); }
  std::uint64_t capacity() const override { return capacity_; }
  void check_invariants() const override { entries_.check(capacity_); }

protected:
  // The entry to evict (there is at least one).
  virtual key victim(std::uint64_t now) const = 0;

  std::uint64_t capacity_;
  frequency_buckets entries_;
};

}  // namespace dfs::cache
