// shaders/concat.comp, dropout.comp and upsample.comp: block copies, dropout masks and
// up-sampling.
#include <cmath>

#include "runtime/vulkan/lower.h"

namespace segrt::vk {
namespace {

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

// concat.comp's VEC constant: when every block, row and offset is whole vec4s, count in vec4s.
void set_vec(Dispatch& d) {
  const bool vec =
      d.p.n % 4 == 0 && d.p.dims[0] % 4 == 0 && d.p.dims[1] % 4 == 0 && d.p.dims[2] % 4 == 0;
  d.spec.resize(1);
  d.spec.push_back(vec ? 1 : 0);
  if (!vec) return;
  for (int32_t* v : {&d.p.n, &d.p.dims[0], &d.p.dims[1], &d.p.dims[2]}) *v /= 4;
}

// One dispatch per input copying its block into each row of y.
Lowered lower_concat(const Graph& g, const Node& n) {
  const Shape& y = shape_of(g, n.outputs.at(0));
  const int64_t ax = axis_of(n, y.size()), inner = inner_of(y, ax);
  Lowered l;
  int64_t off = 0;
  for (int x : n.inputs) {
    const Shape& xs = shape_of(g, x);
    Dispatch d;
    d.shader = "concat";
    d.spec = {0};
    d.bind = {x, n.outputs[0], n.outputs[0]};
    d.writes = {2};
    d.p.n = i32(numel(xs));
    d.p.dims[0] = i32(xs[ax] * inner);
    d.p.dims[1] = i32(y[ax] * inner);
    d.p.dims[2] = i32(off);
    off += xs[ax] * inner;
    set_vec(d);
    l.dispatches.push_back(d);
  }
  return l;
}

// Slice (MODE 1) and slice_grad (MODE 2).
Lowered lower_slice(const Graph& g, const Node& n) {
  const bool grad = n.op == "slice_grad";
  const Shape& small = shape_of(g, grad ? n.inputs.at(0) : n.outputs.at(0));
  const Shape& big = shape_of(g, grad ? n.outputs.at(0) : n.inputs.at(0));
  const int64_t ax = axis_of(n, big.size()), inner = inner_of(big, ax);
  Dispatch d = abo_dispatch(n, "concat", {grad ? 2 : 1});
  d.p.n = i32(numel(grad ? big : small));
  d.p.dims[0] = i32(small[ax] * inner);
  d.p.dims[1] = i32(big[ax] * inner);
  d.p.dims[2] = i32(n.attrs.i("start") * inner);
  set_vec(d);
  return {{d}};
}

// Seed and threshold in dims, the scale in alpha, the key bound to b.
Lowered lower_dropout(const Graph& g, const Node& n) {
  const Shape& x = shape_of(g, n.inputs.at(0));
  const double pr = n.attrs.f("p");
  const uint64_t seed = static_cast<uint64_t>(n.attrs.i("seed", 0));
  const int64_t elems = numel(x);
  const int64_t inner = n.attrs.i("spatial", 0) && elems > 0 ? elems / (x.at(0) * x.at(1)) : 1;
  // Four elements per invocation; whole vec4s of one Philox word block when inner allows.
  const bool vec = elems % 4 == 0 && (inner == 1 || inner % 4 == 0);
  Dispatch d = abo_dispatch(n, "dropout", {vec ? 1 : 0, inner > 1 ? 1 : 0});
  d.p.n = i32((elems + 3) / 4);
  d.p.ex[0] = i32(elems);
  d.p.dims[0] = static_cast<int32_t>(static_cast<uint32_t>(seed));
  d.p.dims[1] = static_cast<int32_t>(static_cast<uint32_t>(seed >> 32));
  d.p.dims[2] = i32(static_cast<int64_t>(std::ceil(pr * 16777216.0)));
  d.p.dims[3] = i32(inner);
  d.p.alpha = static_cast<float>(1.0 / (1.0 - pr));
  return {{d}};
}

// The variant in spec constants, the sizes in dims.
Lowered lower_upsample(const Graph& g, const Node& n) {
  const bool grad = n.op == "upsample_grad";
  const Shape& x = shape_of(g, grad ? n.outputs.at(0) : n.inputs.at(0));
  const Shape& y = shape_of(g, grad ? n.inputs.at(0) : n.outputs.at(0));
  if (x.size() != 4) throw Error("vulkan: " + n.op + " expects [N, C, H, W]");
  Dispatch d = abo_dispatch(n, "upsample",
                            {n.attrs.s("mode", "nearest") == "bilinear" ? 1 : 0,
                             n.attrs.i("align_corners", 0) != 0 ? 1 : 0, grad ? 1 : 0});
  d.p.n = i32(numel(grad ? x : y));
  d.p.dims[0] = i32(x[2]);
  d.p.dims[1] = i32(x[3]);
  d.p.dims[2] = i32(y[2]);
  d.p.dims[3] = i32(y[3]);
  d.p.dims[4] = i32(n.attrs.i("scale", 2));
  return {{d}};
}

SEGRT_VK_LOWER(lower_concat, "concat");
SEGRT_VK_LOWER(lower_slice, "slice", "slice_grad");
SEGRT_VK_LOWER(lower_dropout, "dropout");
SEGRT_VK_LOWER(lower_upsample, "upsample", "upsample_grad");

}  // namespace
}  // namespace segrt::vk
