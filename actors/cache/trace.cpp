#include "actors/cache/trace.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <unordered_map>

#include "actors/cache/entry_table.hpp"

namespace dfs::cache {
namespace {

// Portable draws from mt19937_64 (the standard's distributions differ
// between libraries; these do not).
double unit(std::mt19937_64& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}
std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) {
  return rng() % n;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep))
    parts.push_back(part);
  return parts;
}

bool to_u64(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), ::isdigit))
    return false;
  out = std::stoull(s);
  return true;
}

// Draws ranks 0..n-1 with probability ~ (rank+1)^-alpha.
class zipf_draw {
public:
  zipf_draw(std::uint64_t n, double alpha) : cdf_(n) {
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i)
      cdf_[i] = sum += std::pow(double(i + 1), -alpha);
    for (auto& c : cdf_)
      c /= sum;
  }
  std::uint64_t operator()(std::mt19937_64& rng) const {
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), unit(rng));
    return std::min<std::uint64_t>(it - cdf_.begin(), cdf_.size() - 1);
  }

private:
  std::vector<double> cdf_;
};

std::vector<std::uint64_t> shuffled(std::uint64_t n, std::mt19937_64& rng) {
  std::vector<std::uint64_t> v(n);
  for (std::uint64_t i = 0; i < n; ++i)
    v[i] = i;
  for (std::uint64_t i = n; i > 1; --i)
    std::swap(v[i - 1], v[below(rng, i)]);
  return v;
}

}  // namespace

std::optional<std::vector<request>> parse_lis(std::istream& in, std::string& error) {
  std::vector<request> out;
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::uint64_t start = 0, count = 0;
    if (!(fields >> start >> count) || count > (1u << 20)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      error = "line " + std::to_string(n) + ": expected START COUNT IGNORED REQNO";
      return std::nullopt;
    }
    for (std::uint64_t b = 0; b < count; ++b)
      out.push_back({start + b, 1});
  }
  return out;
}

std::optional<std::vector<request>> parse_keys(std::istream& in, std::string& error) {
  std::vector<request> out;
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string token, size;
    if (!(fields >> token))
      continue;
    request r;
    if (!to_u64(token, r.k))
      r.k = mix64(std::hash<std::string>{}(token));
    if (fields >> size && (!to_u64(size, r.bytes) || r.bytes == 0)) {
      error = "line " + std::to_string(n) + ": BYTES must be a positive integer";
      return std::nullopt;
    }
    out.push_back(r);
  }
  return out;
}

std::optional<std::vector<request>> generate(const std::string& spec, std::uint64_t seed,
                                             std::string& error) {
  auto parts = split(spec, ':');
  std::mt19937_64 rng(seed);
  std::uint64_t keys = 100000, reqs = 1000000;
  auto bad = [&](const std::string& why) {
    error = "generator '" + spec + "': " + why;
    return std::nullopt;
  };
  if (parts.size() < 2)
    return bad("expected KIND:PARAMETER[:...]");
  const std::string& kind = parts[0];
  bool is_loop = kind == "loop";
  const std::size_t first_size = 2;  // where KEYS is, then REQS
  if ((!is_loop && parts.size() > 4) || (is_loop && parts.size() > 3))
    return bad("too many fields");
  if (is_loop) {
    if (!to_u64(parts[1], keys) || (parts.size() > 2 && !to_u64(parts[2], reqs)))
      return bad("LEN and REQS are positive integers");
  } else if ((parts.size() > first_size && !to_u64(parts[first_size], keys)) ||
             (parts.size() > first_size + 1 && !to_u64(parts[first_size + 1], reqs))) {
    return bad("KEYS and REQS are positive integers");
  }
  if (keys == 0 || reqs == 0 || keys > 100000000 || reqs > 1000000000)
    return bad("KEYS must be 1..1e8 and REQS 1..1e9");
  std::vector<request> out;
  out.reserve(reqs);
  if (kind == "zipf") {
    char* end = nullptr;
    double alpha = std::strtod(parts[1].c_str(), &end);
    if (*end != '\0' || !(alpha > 0 && alpha < 10))
      return bad("ALPHA must be a number in (0, 10)");
    zipf_draw draw(keys, alpha);
    auto name = shuffled(keys, rng);  // popularity rank -> key
    for (std::uint64_t i = 0; i < reqs; ++i)
      out.push_back({name[draw(rng)], 1});
  } else if (kind == "hotcold") {
    auto hc = split(parts[1], '/');
    std::uint64_t hot = 0, cold = 0;
    if (hc.size() != 2 || !to_u64(hc[0], hot) || !to_u64(hc[1], cold) || hot > 100 || cold == 0 ||
        cold >= 100)
      return bad("expected HOT/COLD percentages, e.g. 80/20");
    std::uint64_t hot_keys = std::max<std::uint64_t>(1, keys * cold / 100);
    for (std::uint64_t i = 0; i < reqs; ++i) {
      bool to_hot = below(rng, 100) < hot || hot_keys == keys;
      out.push_back({to_hot ? below(rng, hot_keys) : hot_keys + below(rng, keys - hot_keys), 1});
    }
  } else if (kind == "shift") {
    std::uint64_t every = 0;
    if (!to_u64(parts[1], every) || every == 0)
      return bad("EVERY must be a positive integer");
    zipf_draw draw(keys, 0.9);
    auto name = shuffled(keys, rng);
    std::uint64_t next_scan_key = keys;  // scan keys lie beyond the others
    for (std::uint64_t i = 0; i < reqs; ++i) {
      if (i > 0 && i % every == 0)
        name = shuffled(keys, rng);
      if (i % every == every / 2)
        for (std::uint64_t j = 0; j < keys / 10 && out.size() < reqs; ++j)
          out.push_back({next_scan_key++, 1});
      if (out.size() >= reqs)
        break;
      out.push_back({name[draw(rng)], 1});
    }
  } else if (is_loop) {
    for (std::uint64_t i = 0; i < reqs; ++i)
      out.push_back({i % keys, 1});
  } else {
    return bad("unknown kind (zipf, hotcold, shift, loop)");
  }
  return out;
}

void assign_mixed_sizes(std::vector<request>& trace, std::uint64_t seed) {
  for (auto& r : trace) {
    double u = double(mix64(r.k ^ mix64(seed)) >> 11) * 0x1.0p-53;
    r.bytes = static_cast<std::uint64_t>(std::exp2(10 + 10 * u));  // 1 KiB .. 1 MiB
  }
}

trace_stats stats_of(const std::vector<request>& trace) {
  trace_stats s;
  s.requests = trace.size();
  std::unordered_map<key, std::uint64_t> seen;
  seen.reserve(trace.size() / 4);
  for (auto& r : trace)
    if (seen.emplace(r.k, r.bytes).second)
      s.distinct_bytes += r.bytes;
  s.distinct = seen.size();
  return s;
}

}  // namespace dfs::cache
