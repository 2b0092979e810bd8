// Up-sampling by an integer factor, nearest or bilinear, and its gradient.
#include "graph/op_registry.h"

namespace segrt {
namespace {

// Validates the attributes (scale >= 1, mode nearest|bilinear, align_corners only for
// bilinear) and returns x's shape scaled on H and W.
Shape upsampled(const Shape& x, const Attrs& a, const std::string& op) {
  expect_rank(x, 4, op, "x");
  const int64_t s = a.i("scale", 2);
  if (s < 1) throw Error(op + ": scale must be at least 1, got " + std::to_string(s));
  const std::string mode = a.s("mode", "nearest");
  if (mode != "nearest" && mode != "bilinear")
    throw Error(op + ": mode must be nearest or bilinear, got '" + mode + "'");
  const int64_t ac = a.i("align_corners", 0);
  if (ac != 0 && ac != 1) throw Error(op + ": align_corners must be 0 or 1");
  if (ac && mode == "nearest") throw Error(op + ": align_corners applies to bilinear only");
  return {x[0], x[1], x[2] * s, x[3] * s};
}

double upsample_flops(const Shape& y, const Attrs& a) {
  return a.s("mode", "nearest") == "bilinear" ? 7.0 * double(numel(y)) : 0.0;
}

// upsample(x) -> y [N, C, H*scale, W*scale]. Bilinear with align_corners = 0 samples at
// half-pixel centres: PyTorch's F.interpolate(align_corners=False) and Keras UpSampling2D.
SEGRT_REGISTER_OP((OpDef{
    .name = "upsample",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      return {upsampled(in[0], a, "upsample")};
    },
    .flops = [](auto&, auto& out, auto& a) { return upsample_flops(out[0], a); },
    .grad = [](GradContext& c) -> std::vector<int> {
      Attrs a = c.node.attrs;
      a.set("input_shape", c.in_shape(0));
      return {c.g.add1("upsample_grad", {c.dy[0]}, a)};
    },
}));

// upsample_grad(dy) -> dx of input_shape: each dy element's weights scattered back.
SEGRT_REGISTER_OP((OpDef{
    .name = "upsample_grad",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape x = a.ints("input_shape");
      if (upsampled(x, a, "upsample_grad") != in[0])
        throw Error("upsample_grad: dy " + shape_str(in[0]) + " does not match input_shape " +
                    shape_str(x) + " up-sampled");
      return {x};
    },
    .flops = [](auto& in, auto&, auto& a) { return upsample_flops(in[0], a); },
}));

}  // namespace
}  // namespace segrt
