// Convolutions: conv2d and conv_transpose2d, their gradient ops, and channel_sum (the bias
// gradient) with its adjoint channel_expand.
#include "graph/op_registry.h"
#include "graph/ops/conv_params.h"

namespace segrt {
namespace {

void expect_bias(const std::vector<Shape>& in, int64_t channels, const std::string& op) {
  if (in.size() > 2 && in[2] != Shape{channels})
    throw Error(op + ": bias must have shape [" + std::to_string(channels) + "], got " +
                shape_str(in[2]));
}

// Multiply-adds of a conv2d with output `y` and weight `w`: each output element takes
// (C/groups) * kh * kw of them.
double conv_flops(const Shape& y, const Shape& w) {
  return 2.0 * double(numel(y)) * double(w[1] * w[2] * w[3]);
}

Attrs with(Attrs a, const std::string& key, const Shape& s) {
  return a.set(key, s);
}

SEGRT_REGISTER_OP((OpDef{
    .name = "conv2d",
    .min_inputs = 2,
    .max_inputs = 3,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape y = conv2d_out_shape(in[0], in[1], conv_params(a, "conv2d"), "conv2d");
      expect_bias(in, in[1][0], "conv2d");
      return {y};
    },
    .flops =
        [](auto& in, auto& out, auto&) {
          return conv_flops(out[0], in[1]) + (in.size() > 2 ? double(numel(out[0])) : 0.0);
        },
    .grad = [](GradContext& c) -> std::vector<int> {
      const Attrs a = conv_attrs(conv_params(c.node.attrs, "conv2d"));
      const int dy = c.dy[0];
      std::vector<int> d{
          c.g.add1("conv2d_grad_input", {dy, c.in(1)}, with(a, "input_shape", c.in_shape(0))),
          c.g.add1("conv2d_grad_weight", {c.in(0), dy}, with(a, "weight_shape", c.in_shape(1)))};
      if (c.node.inputs.size() > 2) d.push_back(c.g.add1("channel_sum", {dy}));
      return d;
    },
}));

// dx of conv2d: inputs (dy, w), attribute input_shape = the shape of x.
SEGRT_REGISTER_OP((OpDef{
    .name = "conv2d_grad_input",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "conv2d_grad_input";
      Shape x = a.ints("input_shape");
      Shape y = conv2d_out_shape(x, in[1], conv_params(a, op), op);
      if (y != in[0])
        throw Error(op + ": dy " + shape_str(in[0]) + " does not match the conv2d output " +
                    shape_str(y) + " of input_shape " + shape_str(x));
      return {x};
    },
    .flops = [](auto& in, auto&, auto&) { return conv_flops(in[0], in[1]); },
}));

// dw of conv2d: inputs (x, dy), attribute weight_shape = the shape of w.
SEGRT_REGISTER_OP((OpDef{
    .name = "conv2d_grad_weight",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "conv2d_grad_weight";
      Shape w = a.ints("weight_shape");
      Shape y = conv2d_out_shape(in[0], w, conv_params(a, op), op);
      if (y != in[1])
        throw Error(op + ": dy " + shape_str(in[1]) + " does not match the conv2d output " +
                    shape_str(y) + " of input " + shape_str(in[0]) + " and weight_shape " +
                    shape_str(w));
      return {w};
    },
    .flops = [](auto& in, auto& out, auto&) { return conv_flops(in[1], out[0]); },
}));

// Transposed convolution, weight [Cin, Cout/groups, kh, kw]: the adjoint of conv2d with that
// weight read as OIHW, so its gradients are a conv2d and a conv2d_grad_weight with x and dy in
// swapped roles.
SEGRT_REGISTER_OP((OpDef{
    .name = "conv_transpose2d",
    .min_inputs = 2,
    .max_inputs = 3,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "conv_transpose2d";
      const ConvParams p = conv_params(a, op);
      Shape y = conv_transpose2d_out_shape(in[0], in[1], p, op);
      expect_bias(in, y[1], op);
      return {y};
    },
    .flops =
        [](auto& in, auto& out, auto&) {
          return conv_flops(in[0], in[1]) + (in.size() > 2 ? double(numel(out[0])) : 0.0);
        },
    .grad = [](GradContext& c) -> std::vector<int> {
      const Attrs a = conv_attrs(conv_params(c.node.attrs, "conv_transpose2d"));
      const int dy = c.dy[0];
      std::vector<int> d{
          c.g.add1("conv2d", {dy, c.in(1)}, a),
          c.g.add1("conv2d_grad_weight", {dy, c.in(0)}, with(a, "weight_shape", c.in_shape(1)))};
      if (c.node.inputs.size() > 2) d.push_back(c.g.add1("channel_sum", {dy}));
      return d;
    },
}));

// Sum over every axis but 1: [N, C, ...] -> [C].
SEGRT_REGISTER_OP((OpDef{
    .name = "channel_sum",
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      if (in[0].size() < 2)
        throw Error("channel_sum: input must have rank >= 2, got " + shape_str(in[0]));
      return {Shape{in[0][1]}};
    },
    .flops = [](auto& in, auto&, auto&) { return double(numel(in[0])); },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("channel_expand", {c.dy[0]}, {{"shape", c.in_shape(0)}})};
    },
}));

// Broadcast [C] along every axis but 1 of `shape`: the adjoint of channel_sum.
SEGRT_REGISTER_OP((OpDef{
    .name = "channel_expand",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape s = a.ints("shape");
      if (in[0].size() != 1 || s.size() < 2 || s[1] != in[0][0])
        throw Error("channel_expand: input " + shape_str(in[0]) +
                    " must be [C] with C = shape[1] of " + shape_str(s));
      return {s};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
    .grad = [](GradContext& c) -> std::vector<int> { return {c.g.add1("channel_sum", {c.dy[0]})}; },
}));

}  // namespace
}  // namespace segrt
