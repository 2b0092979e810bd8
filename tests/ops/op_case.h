// The one operator suite: each case is declared once (shapes, attributes, seed, tolerance
// tier) and run on every backend present against the CPU reference, forward and backward.
// Gradients are checked on the CPU in double precision against central differences.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt::test {

// Normalised mean squared error bounds from the design brief.
enum class Tier { Elementwise, Reduction };
inline double tier_nmse(Tier t) {
  return t == Tier::Elementwise ? 1e-7 : 5e-4;
}

struct OpCase {
  std::string name;  // unique, e.g. "conv2d/k3_s2_p1"
  std::string op;
  std::vector<Shape> inputs;
  Attrs attrs;
  uint64_t seed = 1;
  Tier tier = Tier::Reduction;
  // Inputs that take no gradient (targets, RNG keys, running statistics).
  std::vector<int> no_grad;
  // Optional: fill input `i` (already sized) instead of the default U(-1, 1) draw.
  std::function<void(int i, std::vector<double>& data, uint64_t seed)> fill;
  // Skip the gradient check (ops that are not differentiable).
  bool check_grad = true;
  // Elements whose finite difference is this close to a kink (relu at 0, max-pool ties) are
  // skipped: the perturbation would cross the kink.
  double kink = 0;
  // Relative step of the central difference.
  double eps = 1e-6;
};

std::vector<OpCase>& op_cases();

struct OpCaseRegistrar {
  explicit OpCaseRegistrar(std::vector<OpCase> cs) {
    for (auto& c : cs) op_cases().push_back(std::move(c));
  }
};

#define SEGRT_OP_CASES_CAT2(a, b) a##b
#define SEGRT_OP_CASES_CAT(a, b) SEGRT_OP_CASES_CAT2(a, b)
#define SEGRT_OP_CASES(...)                                 \
  static ::segrt::test::OpCaseRegistrar SEGRT_OP_CASES_CAT( \
      segrt_cases_, __COUNTER__)(std::vector<::segrt::test::OpCase>{__VA_ARGS__})

// Deterministic uniform draws in [lo, hi) from (seed, index): the same on every run.
double uniform(uint64_t seed, uint64_t index, double lo = -1, double hi = 1);

}  // namespace segrt::test
