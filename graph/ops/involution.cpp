// Involution (Li et al. 2021): a K x K window weighted per pixel and per channel group by a
// generated kernel, shared by the C/G channels of the group.
#include "graph/ops/window.h"

namespace segrt {
namespace {

double inv_flops(const Shape& y, const Attrs& a) {
  const int64_t k = a.i("kernel_size");
  return 2.0 * double(numel(y)) * double(k * k);
}

SEGRT_REGISTER_OP((OpDef{
    .name = "involution",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const InvGeom v = InvGeom::from(a, "involution");
      Shape y = v.out_shape(in[0], "involution");
      v.expect_kernel(y, in[1], "involution");
      return {y};
    },
    .flops = [](auto&, auto& out, auto& a) { return inv_flops(out[0], a); },
    .grad = [](GradContext& c) -> std::vector<int> {
      Attrs a = c.node.attrs;
      a.set("input_shape", c.in_shape(0));
      return {c.g.add1("involution_grad_input", {c.in(1), c.dy[0]}, a),
              c.g.add1("involution_grad_kernel", {c.in(0), c.dy[0]}, c.node.attrs)};
    },
}));

// involution_grad_input(kernel, dy) -> dx of input_shape.
SEGRT_REGISTER_OP((OpDef{
    .name = "involution_grad_input",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "involution_grad_input";
      const InvGeom v = InvGeom::from(a, op);
      Shape x = a.ints("input_shape");
      Shape y = v.out_shape(x, op);
      if (in[1] != y) throw Error(op + ": dy " + shape_str(in[1]) + " must be " + shape_str(y));
      v.expect_kernel(y, in[0], op);
      return {x};
    },
    .flops = [](auto& in, auto&, auto& a) { return inv_flops(in[1], a); },
}));

// involution_grad_kernel(x, dy) -> dkernel [N, G*K*K, Ho, Wo].
SEGRT_REGISTER_OP((OpDef{
    .name = "involution_grad_kernel",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "involution_grad_kernel";
      const InvGeom v = InvGeom::from(a, op);
      Shape y = v.out_shape(in[0], op);
      if (in[1] != y) throw Error(op + ": dy " + shape_str(in[1]) + " must be " + shape_str(y));
      return {v.kernel_shape(y)};
    },
    .flops = [](auto& in, auto&, auto& a) { return inv_flops(in[1], a); },
}));

}  // namespace
}  // namespace segrt
