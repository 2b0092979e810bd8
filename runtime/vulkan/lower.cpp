#include "runtime/vulkan/lower.h"

#include <cmath>
#include <limits>
#include <map>

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

int32_t i32(int64_t v) {
  if (v > std::numeric_limits<int32_t>::max())
    throw Error("vulkan: tensor of " + std::to_string(v) + " elements exceeds 32-bit indexing");
  return static_cast<int32_t>(v);
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

// Sum of `in` (dims `in`) onto output dims `kept` (same rank, 1 where summed).
void set_reduce(PushParams& p, const Shape& in, const Shape& kept) {
  set_dims(p, kept);
  int64_t stride = 1, red = 1;
  for (int i = static_cast<int>(in.size()) - 1; i >= 0; --i) {
    const bool summed = kept[i] == 1 && in[i] != 1;
    p.sa[i] = summed ? 0 : i32(stride);
    p.sb[i] = i32(stride);
    p.rdims[i] = summed ? i32(in[i]) : 1;
    if (summed) red *= in[i];
    stride *= in[i];
  }
  p.red = i32(red);
}

// Axis attribute (default 1), negative counting from the end, as graph/ops/concat.cpp.
int64_t axis_of(const Node& n, size_t rank) {
  const int64_t ax = n.attrs.i("axis", 1);
  return ax < 0 ? ax + static_cast<int64_t>(rank) : ax;
}

// Elements of `s` after `axis` (one step along it).
int64_t inner_of(const Shape& s, int64_t axis) {
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
  return inner;
}

// shaders/concat.comp: one dispatch per input copying its block into each row of y.
std::vector<Dispatch> lower_concat(const Graph& g, const Node& n) {
  const Shape& y = g.value(n.outputs.at(0)).shape;
  const int64_t ax = axis_of(n, y.size()), inner = inner_of(y, ax);
  std::vector<Dispatch> ds;
  int64_t off = 0;
  for (int x : n.inputs) {
    const Shape& xs = g.value(x).shape;
    Dispatch d;
    d.shader = "concat";
    d.spec = {0};
    d.args = {x};
    d.p.n = i32(numel(xs));
    d.p.dims[0] = i32(xs[ax] * inner);
    d.p.dims[1] = i32(y[ax] * inner);
    d.p.dims[2] = i32(off);
    off += xs[ax] * inner;
    ds.push_back(d);
  }
  return ds;
}

// shaders/concat.comp for slice (MODE 1) and slice_grad (MODE 2).
Dispatch lower_slice(const Graph& g, const Node& n) {
  const bool grad = n.op == "slice_grad";
  const Shape& small = g.value(grad ? n.inputs.at(0) : n.outputs.at(0)).shape;
  const Shape& big = g.value(grad ? n.outputs.at(0) : n.inputs.at(0)).shape;
  const int64_t ax = axis_of(n, big.size()), inner = inner_of(big, ax);
  Dispatch d;
  d.shader = "concat";
  d.spec = {grad ? 2 : 1};
  d.args = n.inputs;
  d.p.n = i32(numel(grad ? big : small));
  d.p.dims[0] = i32(small[ax] * inner);
  d.p.dims[1] = i32(big[ax] * inner);
  d.p.dims[2] = i32(n.attrs.i("start") * inner);
  return d;
}

// shaders/dropout.comp: seed and threshold in dims, the scale in alpha, the key bound to b.
Dispatch lower_dropout(const Graph& g, const Node& n) {
  const Shape& x = g.value(n.inputs.at(0)).shape;
  const double pr = n.attrs.f("p");
  const uint64_t seed = static_cast<uint64_t>(n.attrs.i("seed", 0));
  Dispatch d;
  d.shader = "dropout";
  d.args = n.inputs;
  d.p.n = i32(numel(x));
  d.p.dims[0] = static_cast<int32_t>(static_cast<uint32_t>(seed));
  d.p.dims[1] = static_cast<int32_t>(static_cast<uint32_t>(seed >> 32));
  d.p.dims[2] = i32(static_cast<int64_t>(std::ceil(pr * 16777216.0)));
  d.p.dims[3] = i32(n.attrs.i("spatial", 0) && numel(x) > 0 ? numel(x) / (x.at(0) * x.at(1)) : 1);
  d.p.alpha = static_cast<float>(1.0 / (1.0 - pr));
  return d;
}

// shaders/upsample.comp: the variant in spec constants, the sizes in dims.
Dispatch lower_upsample(const Graph& g, const Node& n) {
  const bool grad = n.op == "upsample_grad";
  const Shape& x = g.value(grad ? n.outputs.at(0) : n.inputs.at(0)).shape;
  const Shape& y = g.value(grad ? n.inputs.at(0) : n.outputs.at(0)).shape;
  if (x.size() != 4) throw Error("vulkan: " + n.op + " expects [N, C, H, W]");
  Dispatch d;
  d.shader = "upsample";
  d.spec = {n.attrs.s("mode", "nearest") == "bilinear" ? 1 : 0,
            n.attrs.i("align_corners", 0) != 0 ? 1 : 0, grad ? 1 : 0};
  d.args = n.inputs;
  d.p.n = i32(numel(grad ? x : y));
  d.p.dims[0] = i32(x[2]);
  d.p.dims[1] = i32(x[3]);
  d.p.dims[2] = i32(y[2]);
  d.p.dims[3] = i32(y[3]);
  d.p.dims[4] = i32(n.attrs.i("scale", 2));
  return d;
}

}  // namespace

bool has_shader(const std::string& op) {
  return elementwise_ops().count(op) || op == "concat" || op == "dropout" || op == "upsample" ||
         op == "upsample_grad" || op == "slice" || op == "slice_grad" || op == "reduce_to" ||
         op == "channel_sum" || op == "channel_expand" || op == "softmax_channels" ||
         op == "softmax_channels_grad";
}

namespace {

Dispatch lower_one(const Graph& g, const Node& n) {
  const Shape& out = g.value(n.outputs.at(0)).shape;
  Dispatch d;
  d.p.n = i32(numel(out));
  d.args = n.inputs;
  if (n.op == "reduce_to") {
    // Right-align the target against the input, 1 on the leading axes it lacks.
    const Shape& in = g.value(n.inputs[0]).shape;
    Shape kept(in.size(), 1);
    for (size_t i = 0; i < out.size(); ++i) kept[in.size() - out.size() + i] = out[i];
    d.shader = "reduce";
    set_reduce(d.p, in, kept);
    return d;
  }
  if (n.op == "channel_sum" || n.op == "channel_expand") {
    // Both see the big tensor as [N, C, inner].
    const Shape& big = g.value(n.op == "channel_sum" ? n.inputs[0] : n.outputs[0]).shape;
    const int64_t N = big.at(0), C = big.at(1), inner = numel(big) / std::max<int64_t>(1, N * C);
    const Shape s3 = {N, C, inner};
    if (n.op == "channel_sum") {
      d.shader = "reduce";
      set_reduce(d.p, s3, {1, C, 1});
    } else {
      d.shader = "elementwise";
      d.spec = {elementwise_ops().at("expand")};
      set_dims(d.p, s3);
      d.p.sa[1] = 1;
    }
    return d;
  }
  if (n.op == "softmax_channels" || n.op == "softmax_channels_grad") {
    // One invocation per pixel; the shader walks the channels.
    const Shape& x = g.value(n.inputs[0]).shape;
    if (x.size() != 4) throw Error("vulkan: " + n.op + " expects [N, C, H, W]");
    d.shader = "softmax";
    d.spec = {n.op == "softmax_channels_grad" ? 1 : 0};
    d.p.n = i32(x[0] * x[2] * x[3]);
    d.p.dims[0] = i32(x[1]);
    d.p.dims[1] = i32(x[2] * x[3]);
    return d;
  }
  d.shader = "elementwise";
  d.spec = {elementwise_ops().at(n.op)};
  d.p.alpha = static_cast<float>(n.op == "fill"    ? n.attrs.f("value", 0.0)
                                 : n.op == "scale" ? n.attrs.f("s")
                                 : n.op == "leaky_relu" || n.op == "leaky_relu_grad"
                                     ? n.attrs.f("alpha", 0.01)
                                     : 0.0);
  // Same-shape operands use flat indexing (rank 0); otherwise broadcast strides.
  bool same = true;
  for (int v : n.inputs) same = same && g.value(v).shape == out;
  if (!same) {
    set_dims(d.p, out);
    broadcast_strides(g.value(n.inputs.at(0)).shape, out, d.p.sa);
    if (n.inputs.size() > 1) broadcast_strides(g.value(n.inputs[1]).shape, out, d.p.sb);
  }
  return d;
}

}  // namespace

std::vector<Dispatch> lower(const Graph& g, const Node& n) {
  if (n.op == "concat") return lower_concat(g, n);
  if (n.op == "slice" || n.op == "slice_grad") return {lower_slice(g, n)};
  if (n.op == "dropout") return {lower_dropout(g, n)};
  if (n.op == "upsample" || n.op == "upsample_grad") return {lower_upsample(g, n)};
  return {lower_one(g, n)};
}

}  // namespace segrt::vk
