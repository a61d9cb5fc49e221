// The resident (and ghost) entries of a list-based policy: a pool of slots
// found by key in O(1) (open addressing, linear probing, backward-shift
// deletion) and linked into the policy's queues in O(1). Each queue keeps
// its entry count and byte sum. Header-only: this is the hit path.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "actors/cache/policy.hpp"

namespace dfs::cache {

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr std::uint32_t no_slot = 0xffffffffu;

struct slot {
  key k = 0;
  std::uint64_t bytes = 0;
  std::uint32_t prev = no_slot;
  std::uint32_t next = no_slot;
  std::uint8_t queue = 0;  // which of the owner's queues holds it
  std::uint8_t freq = 0;   // a small counter some policies keep
};

// A doubly linked queue of slots: front is the newest end.
struct queue {
  std::uint32_t front = no_slot;
  std::uint32_t back = no_slot;
  std::uint64_t bytes = 0;
  std::size_t count = 0;
};

// For policies that place a new key before deciding on it: true when `k`
// stayed; when it did not, takes it out of the keys evicted since
// `evicted[from]` (a key that was never admitted was not evicted).
template <class Policy>
bool admitted(const Policy& p, key k, std::vector<key>& evicted, std::size_t from) {
  if (p.contains(k))
    return true;
  evicted.erase(std::remove(evicted.begin() + from, evicted.end(), k), evicted.end());
  return false;
}

class entry_table {
public:
  // Slot index of `k`, or no_slot.
  std::uint32_t find(key k) const {
    if (index_.empty())
      return no_slot;
    for (std::size_t i = mix64(k) & mask_;; i = (i + 1) & mask_) {
      std::uint32_t s = index_[i];
      if (s == no_slot)
        return no_slot;
      if (slots_[s].k == k)
        return s;
    }
  }

  // Adds `k` (not present) at the front of `q`; returns its slot.
  std::uint32_t add(key k, std::uint64_t bytes, queue& q, std::uint8_t qid) {
    if ((live_ + 1) * 4 > index_.size() * 3)
      grow();
    std::uint32_t s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
      slots_[s] = slot{};
    } else {
      s = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    slots_[s].k = k;
    slots_[s].bytes = bytes;
    place(s);
    ++live_;
    link_front(s, q, qid);
    return s;
  }

  // Unlinks `s` from `q` and forgets it.
  void remove(std::uint32_t s, queue& q) {
    unlink(s, q);
    unplace(slots_[s].k);
    free_.push_back(s);
    --live_;
  }

  void link_front(std::uint32_t s, queue& q, std::uint8_t qid) {
    slot& e = slots_[s];
    e.queue = qid;
    e.prev = no_slot;
    e.next = q.front;
    if (q.front != no_slot)
      slots_[q.front].prev = s;
    q.front = s;
    if (q.back == no_slot)
      q.back = s;
    q.bytes += e.bytes;
    ++q.count;
  }

  void unlink(std::uint32_t s, queue& q) {
    slot& e = slots_[s];
    if (e.prev != no_slot)
      slots_[e.prev].next = e.next;
    else
      q.front = e.next;
    if (e.next != no_slot)
      slots_[e.next].prev = e.prev;
    else
      q.back = e.prev;
    e.prev = e.next = no_slot;
    q.bytes -= e.bytes;
    --q.count;
  }

  void move_front(std::uint32_t s, queue& from, queue& to, std::uint8_t qid) {
    unlink(s, from);
    link_front(s, to, qid);
  }

  slot& operator[](std::uint32_t s) { return slots_[s]; }
  const slot& operator[](std::uint32_t s) const { return slots_[s]; }
  std::size_t size() const { return live_; }

  // Walks `q` and checks its links, count and bytes against its slots'
  // queue ids; aborts on the first inconsistency. Returns the entries seen.
  std::size_t check_queue(const queue& q, std::uint8_t qid) const {
    std::size_t n = 0;
    std::uint64_t bytes = 0;
    std::uint32_t prev = no_slot;
    for (std::uint32_t s = q.front; s != no_slot; s = slots_[s].next) {
      const slot& e = slots_[s];
      if (e.queue != qid || e.prev != prev || find(e.k) != s)
        std::abort();
      bytes += e.bytes;
      ++n;
      prev = s;
    }
    if (prev != q.back || n != q.count || bytes != q.bytes)
      std::abort();
    return n;
  }

private:
  void place(std::uint32_t s) {
    std::size_t i = mix64(slots_[s].k) & mask_;
    while (index_[i] != no_slot)
      i = (i + 1) & mask_;
    index_[i] = s;
  }

  void unplace(key k) {
    std::size_t i = mix64(k) & mask_;
    while (slots_[index_[i]].k != k)
      i = (i + 1) & mask_;
    // Backward-shift deletion keeps every probe chain unbroken.
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      std::uint32_t s = index_[j];
      if (s == no_slot)
        break;
      std::size_t home = mix64(slots_[s].k) & mask_;
      // Move s back into the hole unless its home lies cyclically in (i, j].
      bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        index_[i] = s;
        i = j;
      }
    }
    index_[i] = no_slot;
  }

  void grow() {
    std::size_t n = index_.empty() ? 64 : index_.size() * 2;
    index_.assign(n, no_slot);
    mask_ = n - 1;
    std::vector<bool> is_free(slots_.size(), false);
    for (auto s : free_)
      is_free[s] = true;
    for (std::uint32_t s = 0; s < slots_.size(); ++s)
      if (!is_free[s])
        place(s);
  }

  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> index_;
  std::size_t mask_ = 0;
  std::size_t live_ = 0;
};

}  // namespace dfs::cache
