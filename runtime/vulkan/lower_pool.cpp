// shaders/pool.comp: max and average pooling and their gradients; global_avg_pool as a mean
// over H*W (its gradient is expand + scale).
#include "graph/ops/window.h"
#include "runtime/vulkan/lower_reduce.h"

namespace segrt::vk {
namespace {

// Forward: x -> y; max_pool2d_grad: (x, dy) -> dx; avg_pool2d_grad: dy -> dx.
Lowered lower_pool(const Graph& g, const Node& n) {
  const bool max = n.op.rfind("max_", 0) == 0;
  const bool grad = n.op.size() > 5 && n.op.compare(n.op.size() - 5, 5, "_grad") == 0;
  const PoolGeom w = PoolGeom::from(n.attrs, n.op);
  const Shape& x = shape_of(g, grad ? n.outputs.at(0) : n.inputs.at(0));
  const Shape& y = shape_of(g, grad ? n.inputs.back() : n.outputs.at(0));
  if (x.size() != 4 || y.size() != 4) throw Error("vulkan: " + n.op + " expects [N, C, H, W]");
  // Gradients of non-overlapping windows write each window once (see shaders/pool.comp).
  const bool disjoint = grad && w.s[0] >= w.k[0] && w.s[1] >= w.k[1];
  const int mode = (disjoint ? 4 : grad ? 2 : 0) + (max ? 0 : 1);
  Dispatch d = abo_dispatch(n, "pool",
                            {mode, i32(w.k[0]), i32(w.k[1]), i32(w.s[0]), i32(w.s[1]), i32(w.p[0]),
                             i32(w.p[1]), n.attrs.i("count_include_pad", 1) != 0 ? 1 : 0});
  d.p.n = i32(numel(grad && !disjoint ? x : y));
  d.p.dims[0] = i32(x[2]);
  d.p.dims[1] = i32(x[3]);
  d.p.dims[2] = i32(y[2]);
  d.p.dims[3] = i32(y[3]);
  // Windows tile the input when they have no gaps and reach its last row and column.
  const bool covered = w.s[0] == w.k[0] && w.s[1] == w.k[1] && y[2] * w.k[0] - w.p[0] >= x[2] &&
                       y[3] * w.k[1] - w.p[1] >= x[3];
  if (!disjoint || covered) return {{d}};
  Dispatch zero = abo_dispatch(n, "elementwise", {0});  // elementwise.comp's fill
  zero.bind = {n.outputs[0], n.outputs[0], n.outputs[0]};
  zero.p.n = i32(numel(x));
  return {{zero, d}};
}

// The mean of each [H, W] plane, divided as the CPU does (sum / H*W).
Lowered lower_global_avg_pool(const Graph& g, const Node& n) {
  const Shape& x = shape_of(g, n.inputs.at(0));
  if (x.size() != 4) throw Error("vulkan: global_avg_pool expects [N, C, H, W]");
  return lower_sum(n.inputs[0], n.outputs[0], x, {x[0], x[1], 1, 1},
                   static_cast<float>(x[2] * x[3]));
}

SEGRT_VK_LOWER(lower_pool, "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad");
SEGRT_VK_LOWER(lower_global_avg_pool, "global_avg_pool");

}  // namespace
}  // namespace segrt::vk
