#include "actors/cache/policy.hpp"

#include "actors/cache/policies.hpp"

namespace dfs::cache {

const std::vector<std::string>& policy_names() {
  static const std::vector<std::string> names{"lru",       "lfu",         "arc",   "s3-fifo",
                                              "w-tinylfu", "seed-hybrid", "hybrid"};
  return names;
}

std::unique_ptr<policy> make_policy(const std::string& name, const policy_options& options) {
  if (name == "lru")
    return make_lru(options);
  if (name == "lfu")
    return make_lfu(options);
  if (name == "arc")
    return make_arc(options);
  if (name == "s3-fifo")
    return make_s3_fifo(options);
  if (name == "w-tinylfu")
    return make_w_tinylfu(options);
  if (name == "seed-hybrid")
    return make_seed_hybrid(options);
  if (name == "hybrid")
    return make_hybrid(options);
  return nullptr;
}

}  // namespace dfs::cache
