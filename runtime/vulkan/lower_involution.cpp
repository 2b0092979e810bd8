// shaders/involution.comp: involution and its two gradients, one dispatch each; the geometry
// (kernel size, groups, stride, dilation) is specialised, the shapes are push constants.
#include "graph/ops/window.h"
#include "runtime/vulkan/lower.h"

namespace segrt::vk {
namespace {

Lowered lower_involution(const Graph& g, const Node& n) {
  const int mode = n.op == "involution" ? 0 : n.op == "involution_grad_input" ? 1 : 2;
  const InvGeom v = InvGeom::from(n.attrs, n.op);
  // x: the forward input (grad_input's output); y: the forward output (the gradients' dy).
  const Shape& x = shape_of(g, mode == 1 ? n.outputs.at(0) : n.inputs.at(0));
  const Shape& y = shape_of(g, mode == 0 ? n.outputs.at(0) : n.inputs.at(1));
  Dispatch d =
      abo_dispatch(n, "involution",
                   {mode, i32(v.k), i32(v.g), i32(v.s[0]), i32(v.s[1]), i32(v.d[0]), i32(v.d[1])});
  d.p.n = i32(numel(shape_of(g, n.outputs.at(0))));
  d.p.dims[0] = i32(x.at(1));
  d.p.dims[1] = i32(x.at(2));
  d.p.dims[2] = i32(x.at(3));
  d.p.dims[3] = i32(y.at(2));
  d.p.dims[4] = i32(y.at(3));
  return {{d}};
}

SEGRT_VK_LOWER(lower_involution, "involution", "involution_grad_input", "involution_grad_kernel");

}  // namespace
}  // namespace segrt::vk
