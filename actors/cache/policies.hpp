// Constructors of the individual policies, for the factory and the tests.
// Each is described at its definition.
#pragma once

#include <memory>

#include "actors/cache/policy.hpp"

namespace dfs::cache {

std::unique_ptr<policy> make_lru(const policy_options& options);
std::unique_ptr<policy> make_lfu(const policy_options& options);
std::unique_ptr<policy> make_arc(const policy_options& options);
std::unique_ptr<policy> make_s3_fifo(const policy_options& options);
std::unique_ptr<policy> make_w_tinylfu(const policy_options& options);
std::unique_ptr<policy> make_seed_hybrid(const policy_options& options);
std::unique_ptr<policy> make_hybrid(const policy_options& options);

}  // namespace dfs::cache
