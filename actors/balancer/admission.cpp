#include "actors/balancer/admission.hpp"

#include <algorithm>
#include <cmath>

namespace dfs::balancer {

token_bucket& admission::bucket(const std::string& client, int64_t now_ms) {
  auto it = buckets_.find(client);
  if (it != buckets_.end()) {
    recency_.splice(recency_.begin(), recency_, it->second.pos);
    return it->second.bucket;
  }
  if (buckets_.size() >= std::max<size_t>(cfg_.max_clients, 1)) {
    buckets_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(client);
  auto burst = cfg_.client_burst > 0 ? cfg_.client_burst : cfg_.client_rate;
  return buckets_
    .emplace(client, slot{token_bucket{cfg_.client_rate, burst, now_ms}, recency_.begin()})
    .first->second.bucket;
}

admission_verdict admission::admit(const std::string& client, int64_t now_ms) {
  admission_verdict v;
  if (in_flight_ >= cfg_.max_in_flight) {
    v.admitted = false;
    v.retry_after_ms = std::max<int64_t>(static_cast<int64_t>(std::ceil(typical_ms_)), 1);
    v.reason = "in-flight limit";
    return v;
  }
  if (cfg_.client_rate > 0) {
    auto& b = bucket(client, now_ms);
    if (!b.try_take(now_ms)) {
      v.admitted = false;
      v.retry_after_ms = std::max<int64_t>(b.retry_after_ms(now_ms), 1);
      v.reason = "client rate limit";
      return v;
    }
  }
  ++in_flight_;
  return v;
}

}  // namespace dfs::balancer
