// shaders/optimizer.comp and sum_partials.comp: sgd_update and adam_update. The first dispatch
// updates the parameter and its state in place and leaves one partial sum of squared changes
// per workgroup in scratch; the second adds the partials into the [1] output (with one
// workgroup the first writes the output itself). CPU devices take optimizer_shuffle.comp.
#include <algorithm>
#include <bit>
#include <cmath>

#include "runtime/vulkan/lower_reduce.h"

namespace segrt::vk {
namespace {

constexpr int64_t kGroup = 256;  // units (floats or vec4s) per workgroup

Lowered lower_optimizer(const Graph& g, const Node& n) {
  const bool adam = n.op == "adam_update";
  const Attrs& a = n.attrs;
  const int64_t elems = numel(shape_of(g, n.inputs.at(0)));
  // Whole vec4s: one vec4 per invocation (optimizer.comp's VEC, constant 10).
  const bool vec = elems % 4 == 0;
  const int64_t units = vec ? elems / 4 : elems;
  const int64_t groups = std::max<int64_t>(1, (units + kGroup - 1) / kGroup);
  // One workgroup: its sum is the output, no second pass.
  const bool single = groups == 1;
  const int out = n.outputs.at(0);
  const int partial = single ? out : scratch(0);
  Lowered l;
  if (!single) l.scratch = {groups};

  // CPU devices: kGroup units per subgroup-sized workgroup, summed by shuffles.
  const int32_t sg = subgroup_tree_size();
  Dispatch u;
  u.shader = sg ? "optimizer_shuffle" : "optimizer";
  if (adam) {
    const double b1 = a.f("beta1", 0.9), b2 = a.f("beta2", 0.999);
    u.spec = {1,
              a.i("decoupled", 0) != 0 ? 1 : 0,
              fbits(a.f("weight_decay", 0.0)),
              fbits(b1),
              fbits(b2),
              fbits(a.f("eps", 1e-7)),
              fbits(1 - b1),
              fbits(1 - b2),
              fbits(std::log(b1)),
              fbits(std::log(b2))};
    // param, grad, m, v, hyper
    u.bind = {n.inputs[0], n.inputs[1], n.inputs[2], n.inputs[3], n.inputs[4], partial};
    u.writes = {0, 2, 3, 5};
  } else {
    u.spec = {0, a.i("nesterov", 0) != 0 ? 1 : 0, fbits(a.f("weight_decay", 0.0)),
              fbits(a.f("momentum", 0.0))};
    // param, grad, momentum buffer, (no v: the grad, never read there), hyper
    u.bind = {n.inputs[0], n.inputs[1], n.inputs[2], n.inputs[1], n.inputs[3], partial};
    u.writes = {0, 2, 5};
  }
  u.spec.resize(10, 0);
  u.spec.push_back(vec ? 1 : 0);
  u.spec.push_back(sg ? sg : static_cast<int32_t>(kGroup));
  u.p.n = i32(units);
  u.p.ex[0] = sg ? static_cast<int32_t>(kGroup / sg) : 1;
  // Past 65535 groups over x, the rest go over y (the shader skips the surplus).
  u.groups[0] = static_cast<uint32_t>(std::min<int64_t>(groups, 65535));
  u.groups[1] = static_cast<uint32_t>((groups + u.groups[0] - 1) / u.groups[0]);
  u.groups[2] = 1;
  l.dispatches.push_back(u);
  if (single) return l;

  Dispatch s;
  s.shader = "sum_partials";
  s.bind = {scratch(0), out, out};
  s.writes = {2};
  s.p.n = i32(groups);
  s.groups[0] = s.groups[1] = s.groups[2] = 1;
  l.dispatches.push_back(s);
  return l;
}

SEGRT_VK_LOWER(lower_optimizer, "sgd_update", "adam_update");

}  // namespace
}  // namespace segrt::vk
