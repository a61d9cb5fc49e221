// Least frequently used, counting only while resident: the entry with the
// fewest hits goes, the least recently used among equals.
#include "actors/cache/buckets.hpp"
#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

class lfu final : public bucket_policy {
public:
  using bucket_policy::bucket_policy;
  const char* name() const override { return "lfu"; }

private:
  key victim(std::uint64_t) const override { return entries_.buckets().begin()->second.front(); }
};

}  // namespace

std::unique_ptr<policy> make_lfu(const policy_options& options) {
  return std::make_unique<lfu>(options.capacity_bytes);
}

}  // namespace dfs::cache
