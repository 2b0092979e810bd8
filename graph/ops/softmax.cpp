// Softmax over the channel axis, per pixel (the multi-class segmentation head).
#include "graph/op_registry.h"

namespace segrt {
namespace {

SEGRT_REGISTER_OP((OpDef{
    .name = "softmax_channels",
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_rank(in[0], 4, "softmax_channels", "x");
      return {in[0]};
    },
    .flops = [](auto& in, auto&, auto&) { return 5.0 * double(numel(in[0])); },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("softmax_channels_grad", {c.out(0), c.dy[0]})};
    },
}));

// softmax_channels_grad(y, dy) -> dx = y * (dy - sum_c(dy * y)).
SEGRT_REGISTER_OP((OpDef{
    .name = "softmax_channels_grad",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
      expect_rank(in[0], 4, "softmax_channels_grad", "y");
      if (in[0] != in[1])
        throw Error("softmax_channels_grad: dy " + shape_str(in[1]) + " must match y " +
                    shape_str(in[0]));
      return {in[0]};
    },
    .flops = [](auto& in, auto&, auto&) { return 4.0 * double(numel(in[0])); },
}));

}  // namespace
}  // namespace segrt
