#include "actors/health/detector.hpp"

#include <algorithm>
#include <cmath>

namespace dfs::health {

phi_detector::phi_detector(detector_config cfg) : cfg_(cfg) {
  cfg_.window = std::max<size_t>(cfg_.window, 2);
  cfg_.expected_interval_ms = std::max<int64_t>(cfg_.expected_interval_ms, 1);
}

void phi_detector::add_gap(double gap) {
  gaps_.push_back(gap);
  sum_ += gap;
  sum_sq_ += gap * gap;
  if (gaps_.size() > cfg_.window) {
    sum_ -= gaps_.front();
    sum_sq_ -= gaps_.front() * gaps_.front();
    gaps_.pop_front();
  }
}

void phi_detector::heartbeat(int64_t now_ms) {
  if (last_ms_ < 0) {
    // No history yet: assume the configured rhythm, give or take a quarter.
    auto expected = static_cast<double>(cfg_.expected_interval_ms);
    add_gap(expected * 0.75);
    add_gap(expected * 1.25);
  } else if (now_ms > last_ms_) {
    auto gap = static_cast<double>(now_ms - last_ms_);
    if (gap <= static_cast<double>(cfg_.acceptable_pause_ms + 4 * cfg_.expected_interval_ms))
      add_gap(gap);
  }
  last_ms_ = std::max(last_ms_, now_ms);
}

double phi_detector::mean_gap_ms() const {
  return gaps_.empty() ? static_cast<double>(cfg_.expected_interval_ms)
                       : sum_ / static_cast<double>(gaps_.size());
}

double phi_detector::std_dev_ms() const {
  if (gaps_.empty())
    return cfg_.min_std_dev_ms;
  auto mean = mean_gap_ms();
  auto var = sum_sq_ / static_cast<double>(gaps_.size()) - mean * mean;
  return std::max(std::sqrt(std::max(var, 0.0)), cfg_.min_std_dev_ms);
}

double phi_detector::phi(int64_t now_ms) const {
  if (last_ms_ < 0)
    return 0;
  auto elapsed = static_cast<double>(std::max<int64_t>(now_ms - last_ms_, 0));
  auto mean = mean_gap_ms() + static_cast<double>(cfg_.acceptable_pause_ms);
  auto y = (elapsed - mean) / std_dev_ms();
  // A logistic approximation of the normal distribution's tail (error
  // below 1.4e-4 everywhere), as Akka's detector uses: monotonic in y and
  // free of the cancellation 1 - cdf suffers far in the tail.
  auto e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  auto phi = elapsed > mean ? -std::log10(e / (1.0 + e)) : -std::log10(1.0 - 1.0 / (1.0 + e));
  // Far in the tail e underflows and phi would be infinite: capped, finite
  // (it travels in messages, and CAF 0.17 cannot serialize an infinity).
  return std::isfinite(phi) ? std::clamp(phi, 0.0, max_phi) : max_phi;
}

const char* to_string(node_health h) {
  switch (h) {
    case node_health::active:
      return "active";
    case node_health::suspect:
      return "suspect";
    case node_health::down:
      return "down";
  }
  return "unknown";
}

liveness::liveness(liveness_config cfg, int64_t start_ms)
  : cfg_(cfg), detector_(cfg.detector), since_ms_(start_ms), start_ms_(start_ms) {
  cfg_.recover_beats = std::max<uint32_t>(cfg_.recover_beats, 1);
}

void liveness::enter(node_health s, int64_t now_ms) {
  if (s == state_)
    return;
  state_ = s;
  since_ms_ = now_ms;
  if (s == node_health::active)
    ever_active_ = true;
}

void liveness::heartbeat(int64_t now_ms) {
  // A late beat proves the node alive: it may make an active node
  // suspect (its rhythm broke), never down.
  bool on_time = detector_.seen() && detector_.phi(now_ms) < cfg_.suspect_phi;
  if (!on_time && state_ == node_health::active && detector_.seen())
    enter(node_health::suspect, now_ms);
  detector_.heartbeat(now_ms);
  if (state_ == node_health::active)
    return;
  if (!ever_active_) {  // first contact: nothing to flap from
    enter(node_health::active, now_ms);
    return;
  }
  good_beats_ = on_time ? good_beats_ + 1 : 0;
  if (good_beats_ >= cfg_.recover_beats)
    enter(node_health::active, now_ms);
}

node_health liveness::evaluate(int64_t now_ms) {
  double phi;
  if (detector_.seen()) {
    phi = detector_.phi(now_ms);
  } else {
    // Never heard from: the silence counts from the start, as if a
    // heartbeat had come then.
    phi_detector probe{cfg_.detector};
    probe.heartbeat(start_ms_);
    phi = probe.phi(now_ms);
  }
  if (phi >= cfg_.down_phi) {
    good_beats_ = 0;
    enter(node_health::down, now_ms);
  } else if (phi >= cfg_.suspect_phi && state_ == node_health::active) {
    good_beats_ = 0;
    enter(node_health::suspect, now_ms);
  }
  return state_;
}

}  // namespace dfs::health
