// Normalisation: batch norm (training and inference forms) and layer norm over channels, with
// their gradient ops. Statistics are per channel [C] (batch norm) or per pixel [N, 1, H, W]
// (layer norm); gamma and beta are [C].
#include "graph/op_registry.h"

namespace segrt {
namespace {

// Checks x is NCHW and inputs [first, last] are [C].
void expect_channel_vectors(const std::vector<Shape>& in, size_t first, size_t last,
                            const std::string& op) {
  expect_rank(in[0], 4, op, "x");
  for (size_t i = first; i <= last; ++i)
    if (in[i] != Shape{in[0][1]})
      throw Error(op + ": input " + std::to_string(i) + " must have shape [" +
                  std::to_string(in[0][1]) + "] (the channels of x " + shape_str(in[0]) +
                  "), got " + shape_str(in[i]));
}

void expect_same(const Shape& a, const Shape& b, const std::string& op, const std::string& what) {
  if (a != b) throw Error(op + ": " + what + " " + shape_str(b) + " must match x " + shape_str(a));
}

// Gradients reach only y: the batch statistics outputs are for the backward op and for
// inspection, and differentiating through them is not supported.
void only_dy(const GradContext& c) {
  for (size_t i = 1; i < c.dy.size(); ++i)
    if (c.dy[i] >= 0)
      throw Error(c.node.op + ": gradient through the mean/invstd outputs is not supported");
}

double per_elem(const std::vector<Shape>& in, double k) {
  return k * double(numel(in[0]));
}

// batch_norm_train: y = gamma * (x - mean) * invstd + beta with the batch's per-channel mean and
// invstd = 1 / sqrt(biased variance + eps). Updates the running statistics in place the Keras
// way, running = momentum * running + (1 - momentum) * batch (momentum 0.99 and eps 1e-3 are
// Keras's defaults); running_var takes the unbiased batch variance, as PyTorch does, so the
// inference form sees the same variance estimate PyTorch-trained weights carry.
SEGRT_REGISTER_OP((OpDef{
    .name = "batch_norm_train",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 4, "batch_norm_train");
      if (numel(in[0]) / in[0][1] < 2)
        throw Error("batch_norm_train: needs more than one value per channel, got x " +
                    shape_str(in[0]));
      return {in[0], in[1], in[1]};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 7); },
    .grad = [](GradContext& c) -> std::vector<int> {
      only_dy(c);
      auto g = c.g.add("batch_norm_grad", {c.in(0), c.in(1), c.out(1), c.out(2), c.dy[0]});
      return {g[0], g[1], g[2], -1, -1};
    },
    .mutates = {3, 4},
}));

// batch_norm_grad(x, gamma, mean, invstd, dy) -> dx, dgamma, dbeta.
SEGRT_REGISTER_OP((OpDef{
    .name = "batch_norm_grad",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 3, "batch_norm_grad");
      expect_same(in[0], in[4], "batch_norm_grad", "dy");
      return {in[0], in[1], in[1]};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 8); },
}));

// batch_norm_infer: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta.
SEGRT_REGISTER_OP((OpDef{
    .name = "batch_norm_infer",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 4, "batch_norm_infer");
      return {in[0]};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 2); },
    .grad = [](GradContext& c) -> std::vector<int> {
      auto g = c.g.add("batch_norm_infer_grad", {c.in(0), c.in(1), c.in(3), c.in(4), c.dy[0]},
                       c.node.attrs);
      return {g[0], g[1], g[2], -1, -1};
    },
}));

// batch_norm_infer_grad(x, gamma, running_mean, running_var, dy) -> dx, dgamma, dbeta: the
// statistics are constants here, so dx = dy * gamma * invstd. The running statistics take no
// gradient.
SEGRT_REGISTER_OP((OpDef{
    .name = "batch_norm_infer_grad",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 3, "batch_norm_infer_grad");
      expect_same(in[0], in[4], "batch_norm_infer_grad", "dy");
      return {in[0], in[1], in[1]};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 4); },
}));

// layer_norm_channels: per pixel, normalise over C (biased variance; eps 1e-3 as Keras's
// LayerNormalization), then per-channel gamma and beta. mean and invstd are [N, 1, H, W].
SEGRT_REGISTER_OP((OpDef{
    .name = "layer_norm_channels",
    .min_inputs = 3,
    .max_inputs = 3,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 2, "layer_norm_channels");
      Shape s{in[0][0], 1, in[0][2], in[0][3]};
      return {in[0], s, s};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 7); },
    .grad = [](GradContext& c) -> std::vector<int> {
      only_dy(c);
      auto g = c.g.add("layer_norm_channels_grad", {c.in(0), c.in(1), c.out(1), c.out(2), c.dy[0]});
      return {g[0], g[1], g[2]};
    },
}));

// layer_norm_channels_grad(x, gamma, mean, invstd, dy) -> dx, dgamma, dbeta.
SEGRT_REGISTER_OP((OpDef{
    .name = "layer_norm_channels_grad",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_channel_vectors(in, 1, 1, "layer_norm_channels_grad");
      Shape s{in[0][0], 1, in[0][2], in[0][3]};
      if (in[2] != s || in[3] != s)
        throw Error("layer_norm_channels_grad: mean and invstd must be " + shape_str(s) + ", got " +
                    shape_str(in[2]) + " and " + shape_str(in[3]));
      expect_same(in[0], in[4], "layer_norm_channels_grad", "dy");
      return {in[0], in[1], in[1]};
    },
    .flops = [](auto& in, auto&, auto&) { return per_elem(in, 9); },
}));

}  // namespace
}  // namespace segrt
