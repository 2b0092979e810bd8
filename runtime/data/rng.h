// A seeded generator whose every draw is specified bit for bit: std::mt19937_64's raw output
// is fixed by the standard, but std::uniform_*_distribution and std::shuffle are not, so the
// draws we need are written here. Same seed, same numbers, on every compiler.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace segrt {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}

  uint64_t next() { return g_(); }
  // Uniform in [0, 1) with 53 bits.
  double uniform() { return double(g_() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) without modulo bias (rejection on the top of the range).
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = g_();
    while (x >= limit);
    return x % n;
  }
  // Uniform integer in [lo, hi] (inclusive).
  int64_t range(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo) + 1)); }
  bool bernoulli(double p) { return p > 0 && uniform() < p; }
  // Standard normal by Box-Muller (one value per call; simple beats fast here).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Fisher-Yates.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::mt19937_64 g_;
};

}  // namespace segrt
