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

// The fp16 storage tier (Vulkan "vulkan-fp16"): inputs are rounded to fp16 for the reference as
// well, so what remains is the rounding of every stored result, each off by at most the unit
// roundoff u = 2^-11 relative (an NMSE of about u^2/3 = 8e-8 per rounding), while arithmetic and
// accumulation are fp32. Elementwise cases chain up to a few stored roundings (the forward
// output, then the gradient from it): (4u)^2 = 2^-18 = 3.8e-6 (measured at worst 9.6e-8).
// Reductions and normalisations also store intermediates (statistics, gradients of several
// nodes) whose rounding a difference amplifies: a stored mean is off by up to u |mean|, which
// x - mean magnifies by |mean| / std, twice in the gradient. The worst case, layer norm over 3
// channels of shifted data (a per-pixel std far below the mean), measures (33u)^2 = 2.6e-4 for
// dx, so the bound is (64u)^2 = 2^-10 = 9.8e-4.
inline double tier_nmse_fp16(Tier t) {
  return t == Tier::Elementwise ? 0x1p-18 : 0x1p-10;
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
  // Non-empty: why the case means nothing in fp16 storage; the fp16 tier reports it skipped.
  std::string fp16_skip;
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
