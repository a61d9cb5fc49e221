// Failure detection from heartbeat arrivals, pure: no clock, no I/O. Time
// is an input in milliseconds of any monotonic clock.
//
// phi_detector is the phi-accrual detector (Hayashibara et al., 2004):
// it keeps the last `window` gaps between heartbeats and turns the silence
// since the last one into phi = -log10(P(a gap at least this long)), under
// a normal distribution of the gaps fitted to that history. phi grows
// smoothly and without bound with silence: 1 means a gap this long happens
// once in 10, 3 once in 1000, 8 once in 10^8. A node whose heartbeats are
// merely irregular widens the distribution and is suspected later.
//
// liveness turns phi into the node's state with hysteresis, so a noisy but
// alive node does not flap:
//   active  -> suspect  when phi reaches suspect_phi;
//   suspect -> down     when phi reaches down_phi;
//   suspect/down -> active after `recover_beats` heartbeats in a row, each
//               arriving while phi was below suspect_phi.
// "down" is this observer's verdict; the cluster-wide "dead" is committed
// through Raft by the leader's monitor once a node stayed down for a grace
// period (see monitor.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace dfs::health {

struct detector_config {
  int64_t expected_interval_ms = 500;  // the heartbeat period peers are configured with
  size_t window = 100;                 // gaps remembered
  // Floor of the gaps' standard deviation: a perfectly regular history
  // would otherwise make phi jump from 0 to infinity within a millisecond.
  double min_std_dev_ms = 200;
  // Pause tolerated on top of the mean gap before suspicion rises much (a
  // GC-like stall, a busy scheduler, a lost heartbeat or two).
  int64_t acceptable_pause_ms = 1500;
};

class phi_detector {
public:
  explicit phi_detector(detector_config cfg = {});

  // A heartbeat arrived at `now_ms`. A gap longer than the acceptable
  // pause plus a few intervals is not learned (the node was down or cut
  // off: that is not its rhythm), so a return does not make it look slow.
  void heartbeat(int64_t now_ms);

  // Suspicion at `now_ms`: 0 before the first heartbeat; otherwise
  // non-decreasing in now_ms for a fixed history, and at most max_phi
  // (always finite).
  double phi(int64_t now_ms) const;
  static constexpr double max_phi = 1000;

  bool seen() const { return last_ms_ >= 0; }
  int64_t last_heartbeat_ms() const { return last_ms_; }
  double mean_gap_ms() const;
  double std_dev_ms() const;
  size_t samples() const { return gaps_.size(); }

private:
  void add_gap(double gap);

  detector_config cfg_;
  int64_t last_ms_ = -1;
  std::deque<double> gaps_;
  double sum_ = 0;
  double sum_sq_ = 0;
};

enum class node_health { active, suspect, down };

const char* to_string(node_health h);

struct liveness_config {
  detector_config detector;
  double suspect_phi = 5;
  double down_phi = 10;
  uint32_t recover_beats = 3;
};

class liveness {
public:
  // `start_ms`: when observation began. A node never heard from counts
  // its silence from then: unknown (suspect) at first, down once phi says so.
  explicit liveness(liveness_config cfg = {}, int64_t start_ms = 0);

  // A heartbeat at `now_ms`. A late one (phi past suspect_phi when it
  // came) makes an active node suspect but never down, and does not count
  // towards recovery.
  void heartbeat(int64_t now_ms);
  // Re-evaluates the state at `now_ms`; returns it.
  node_health evaluate(int64_t now_ms);

  node_health state() const { return state_; }
  double phi(int64_t now_ms) const { return detector_.phi(now_ms); }
  // When the node entered its current state.
  int64_t since_ms() const { return since_ms_; }
  const phi_detector& detector() const { return detector_; }

private:
  void enter(node_health s, int64_t now_ms);

  liveness_config cfg_;
  phi_detector detector_;
  node_health state_ = node_health::suspect;  // unknown until heard from
  int64_t since_ms_ = 0;
  uint32_t good_beats_ = 0;
  int64_t start_ms_ = 0;
  bool ever_active_ = false;
};

}  // namespace dfs::health
