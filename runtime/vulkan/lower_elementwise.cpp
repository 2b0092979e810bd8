// shaders/elementwise.comp and softmax.comp: pointwise ops with broadcasting, activations and
// their gradients, softmax over channels (the sums are in lower_reduce.cpp).
#include <algorithm>
#include <map>

#include "runtime/vulkan/lower.h"

namespace segrt::vk {
namespace {

// Spec constant OP of shaders/elementwise.comp.
const std::map<std::string, int>& elementwise_ops() {
  static const std::map<std::string, int> m = {{"fill", 0},
                                               {"add", 1},
                                               {"sub", 2},
                                               {"mul", 3},
                                               {"scale", 4},
                                               {"expand", 5},
                                               {"relu", 6},
                                               {"leaky_relu", 7},
                                               {"sigmoid", 8},
                                               {"tanh", 9},
                                               {"silu", 10},
                                               {"relu_grad", 11},
                                               {"leaky_relu_grad", 12},
                                               {"sigmoid_grad", 13},
                                               {"tanh_grad", 14},
                                               {"silu_grad", 15}};
  return m;
}

// Strides of `in` right-aligned against `out` (0 along broadcast axes), as in cpu/broadcast.h.
void broadcast_strides(const Shape& in, const Shape& out, int32_t* s) {
  int64_t stride = 1;
  for (int i = static_cast<int>(out.size()) - 1, j = static_cast<int>(in.size()) - 1; i >= 0;
       --i, --j) {
    const int64_t d = j >= 0 ? in[j] : 1;
    s[i] = d == 1 ? 0 : i32(stride);
    stride *= d;
  }
}

void set_dims(PushParams& p, const Shape& out) {
  if (out.size() > 6) throw Error("vulkan: rank above 6");
  p.rank = static_cast<int32_t>(out.size());
  for (size_t i = 0; i < out.size(); ++i) p.dims[i] = i32(out[i]);
}

// The [C] vector broadcast over [N, C, inner].
Lowered lower_channel_expand(const Graph& g, const Node& n) {
  const Shape& big = shape_of(g, n.outputs[0]);
  const int64_t N = big.at(0), C = big.at(1), inner = numel(big) / std::max<int64_t>(1, N * C);
  Dispatch d = abo_dispatch(n, "elementwise", {elementwise_ops().at("expand"), 0});
  d.p.n = i32(numel(big));
  set_dims(d.p, {N, C, inner});
  d.p.sa[1] = 1;
  return {{d}};
}

// One invocation per pixel; the shader walks the channels.
Lowered lower_softmax(const Graph& g, const Node& n) {
  const Shape& x = shape_of(g, n.inputs[0]);
  if (x.size() != 4) throw Error("vulkan: " + n.op + " expects [N, C, H, W]");
  Dispatch d = abo_dispatch(n, "softmax", {n.op == "softmax_channels_grad" ? 1 : 0});
  d.p.n = i32(x[0] * x[2] * x[3]);
  d.p.dims[0] = i32(x[1]);
  d.p.dims[1] = i32(x[2] * x[3]);
  return {{d}};
}

Lowered lower_elementwise(const Graph& g, const Node& n) {
  const Shape& out = shape_of(g, n.outputs.at(0));
  Dispatch d = abo_dispatch(n, "elementwise", {elementwise_ops().at(n.op)});
  d.p.n = i32(numel(out));
  d.p.alpha = static_cast<float>(n.op == "fill"    ? n.attrs.f("value", 0.0)
                                 : n.op == "scale" ? n.attrs.f("s")
                                 : n.op == "leaky_relu" || n.op == "leaky_relu_grad"
                                     ? n.attrs.f("alpha", 0.01)
                                     : 0.0);
  // Same-shape operands use flat indexing (rank 0); otherwise broadcast strides.
  bool same = true;
  for (int v : n.inputs) same = same && shape_of(g, v) == out;
  if (!same) {
    set_dims(d.p, out);
    broadcast_strides(shape_of(g, n.inputs.at(0)), out, d.p.sa);
    if (n.inputs.size() > 1) broadcast_strides(shape_of(g, n.inputs[1]), out, d.p.sb);
  }
  // Flat and whole vec4s: the shader's vec4 path (spec constant VEC), p.n in vec4s.
  const bool vec = same && d.p.n % 4 == 0;
  d.spec.push_back(vec ? 1 : 0);
  if (vec) d.p.n /= 4;
  return {{d}};
}

SEGRT_VK_LOWER(lower_elementwise, "fill", "add", "sub", "mul", "scale", "expand", "relu",
               "leaky_relu", "sigmoid", "tanh", "silu", "relu_grad", "leaky_relu_grad",
               "sigmoid_grad", "tanh_grad", "silu_grad");
SEGRT_VK_LOWER(lower_channel_expand, "channel_expand");
SEGRT_VK_LOWER(lower_softmax, "softmax_channels", "softmax_channels_grad");

}  // namespace
}  // namespace segrt::vk
