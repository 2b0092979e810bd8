// Pooling: max and average over [h, w] windows, global average, and their gradient ops.
#include "graph/ops/window.h"

namespace segrt {
namespace {

double window_flops(const std::vector<Shape>& out, const Attrs& a) {
  HW k = hw_attr(a, "kernel", {1, 1});
  return double(numel(out[0])) * double(k[0] * k[1]);
}

// Gradient ops that scatter back into the forward input's shape (attribute input_shape).
Shape grad_input_shape(const Shape& dy, const Attrs& a, const std::string& op) {
  expect_rank(dy, 4, op, "dy");
  Shape x = a.ints("input_shape");
  expect_rank(x, 4, op, "input_shape");
  Shape y = PoolGeom::from(a, op).out_shape(x, op);
  if (y != dy)
    throw Error(op + ": dy " + shape_str(dy) + " does not match the pooled shape " + shape_str(y) +
                " of input_shape " + shape_str(x));
  return x;
}

SEGRT_REGISTER_OP((OpDef{
    .name = "max_pool2d",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      return {PoolGeom::from(a, "max_pool2d").out_shape(in[0], "max_pool2d")};
    },
    .flops = [](auto&, auto& out, auto& a) { return window_flops(out, a); },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("max_pool2d_grad", {c.in(0), c.dy[0]}, c.node.attrs)};
    },
}));

// max_pool2d_grad(x, dy) -> dx: recomputes each window's argmax (first in window order on
// ties, as the forward) and routes dy there.
SEGRT_REGISTER_OP((OpDef{
    .name = "max_pool2d_grad",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape y = PoolGeom::from(a, "max_pool2d_grad").out_shape(in[0], "max_pool2d_grad");
      if (y != in[1])
        throw Error("max_pool2d_grad: dy " + shape_str(in[1]) + " does not match the pooled " +
                    shape_str(y));
      return {in[0]};
    },
    .flops = [](auto&, auto& out, auto& a) { return window_flops(out, a); },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "avg_pool2d",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      return {PoolGeom::from(a, "avg_pool2d").out_shape(in[0], "avg_pool2d")};
    },
    .flops = [](auto&, auto& out, auto& a) { return window_flops(out, a); },
    .grad = [](GradContext& c) -> std::vector<int> {
      Attrs a = c.node.attrs;
      a.set("input_shape", c.in_shape(0));
      return {c.g.add1("avg_pool2d_grad", {c.dy[0]}, a)};
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "avg_pool2d_grad",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      return {grad_input_shape(in[0], a, "avg_pool2d_grad")};
    },
    .flops = [](auto& in, auto&, auto& a) { return window_flops(in, a); },
}));

// Mean over H, W: [N, C, H, W] -> [N, C, 1, 1].
SEGRT_REGISTER_OP((OpDef{
    .name = "global_avg_pool",
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_rank(in[0], 4, "global_avg_pool", "input");
      return {{in[0][0], in[0][1], 1, 1}};
    },
    .flops = [](auto& in, auto&, auto&) { return double(numel(in[0])); },
    .grad = [](GradContext& c) -> std::vector<int> {
      const Shape& x = c.in_shape(0);
      int e = c.g.add1("expand", {c.dy[0]}, {{"shape", x}});
      return {c.g.add1("scale", {e}, {{"s", 1.0 / double(x[2] * x[3])}})};
    },
}));

}  // namespace
}  // namespace segrt
