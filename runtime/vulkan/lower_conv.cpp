// Convolutions: shaders/conv2d.comp (tiled implicit GEMM, forward and transposed, with a 1x1
// variant), conv2d_grad_weight.comp (split-reduction GEMM), conv_depthwise.comp (direct
// depthwise loops) and conv_sum_partials.comp (the second pass of the split reductions).
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "runtime/vulkan/conv_grad_weight_direct.h"
#include "runtime/vulkan/conv_lowering.h"
#include "runtime/vulkan/quirks.h"

namespace segrt::vk {
namespace {

constexpr int64_t kMaxGroupsX = 65535;  // the workgroup count every device allows per axis

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// One convolution seen from the shaders: src is gathered, dst written; for the forward pass
// src = x and dst = y, for the transposed pass (grad-input, conv_transpose2d) src = dy and
// dst = dx. The weight is always the conv2d's [src/dst channels..., kh, kw] tensor.
struct ConvSides {
  int src, w, dst;
  Shape s, d, wshape;  // src, dst and weight shapes
  bool transposed;
};

// Register-blocked tile: TM x TN outputs per workgroup, K staged TK at a time, (TM/4)*(TN/4)
// invocations. Narrow problems take smaller tiles so fewer lanes idle.
struct Tile {
  int32_t tm, tn, tk;
  int32_t invocations() const { return (tm / 4) * (tn / 4); }
};

Tile tile_for(int64_t rows, int64_t cols) {
  const int32_t tm = rows <= 16 ? 16 : rows <= 32 ? 32 : 64;
  const int32_t tn = cols <= 32 ? 32 : 64;
  return {tm, tn, 16};
}

std::vector<int32_t> geometry_spec(const Shape& w, const ConvParams& cp) {
  return {i32(w[2]),         i32(w[3]),           i32(cp.stride[0]),
          i32(cp.stride[1]), i32(cp.dilation[0]), i32(cp.dilation[1])};
}

bool is_depthwise(const ConvSides& c, const ConvParams& cp) {
  return cp.groups == c.s[1] && cp.groups == c.d[1];
}

bool is_pointwise(const ConvSides& c, const ConvParams& cp) {
  return c.wshape[2] == 1 && c.wshape[3] == 1 && cp.stride[0] == 1 && cp.stride[1] == 1 &&
         cp.pad[0] == 0 && cp.pad[1] == 0 && c.s[2] == c.d[2] && c.s[3] == c.d[3];
}

// The epilogue's specialisation constants (ids 6-9) and bindings 3-6; unused bindings alias
// src, which the shader only reads.
struct Epilogue {
  int bias = -1, scale = -1, shift = -1, residual = -1;
  ConvAct act = ConvAct::None;
  float alpha = 0.01f;
};

// -1 marks an absent term (other negative ids are scratch regions, see lower.h).
void add_epilogue(Dispatch& d, int src, const Epilogue& e) {
  auto has = [](int v) { return v != -1; };
  if (has(e.scale) != has(e.shift))
    throw Error("vulkan: conv epilogue needs both scale and shift, or neither");
  d.spec.insert(d.spec.end(),
                {static_cast<int32_t>(e.act), has(e.bias), has(e.scale), has(e.residual)});
  for (int v : {e.bias, e.scale, e.shift, e.residual}) d.bind.push_back(has(v) ? v : src);
  d.p.alpha = e.alpha;
}

// Shapes in the push-constant words both conv2d.comp and conv_depthwise.comp read.
void set_shapes(Dispatch& d, const ConvSides& c, const ConvParams& cp) {
  d.p.dims[0] = i32(c.s[0]);
  d.p.dims[1] = i32(c.s[1]);
  d.p.dims[2] = i32(c.s[2]);
  d.p.dims[3] = i32(c.s[3]);
  d.p.dims[4] = i32(c.d[1]);
  d.p.dims[5] = i32(c.d[2]);
  d.p.sa[0] = i32(c.d[3]);
  d.p.sa[1] = i32(cp.pad[0]);
  d.p.sa[2] = i32(cp.pad[1]);
  d.p.sa[3] = i32(cp.groups);
}

Lowered depthwise(const ConvSides& c, const ConvParams& cp, const Epilogue& e) {
  Dispatch d;
  d.shader = "conv_depthwise";
  d.spec = geometry_spec(c.wshape, cp);
  d.bind = {c.src, c.w, c.dst};
  d.writes = {2};
  add_epilogue(d, c.src, e);
  d.spec.push_back(c.transposed ? 1 : 0);
  set_shapes(d, c, cp);
  d.p.n = i32(numel(c.d));
  return {{d}};
}

Lowered implicit_gemm(const ConvSides& c, const ConvParams& cp, const Epilogue& e) {
  const int64_t G = cp.groups, M = c.d[1] / G, K = c.s[1] / G * c.wshape[2] * c.wshape[3];
  const int64_t np = c.d[0] * c.d[2] * c.d[3];
  const Tile t = tile_for(M, np);
  Dispatch d;
  d.shader = "conv2d";
  d.spec = geometry_spec(c.wshape, cp);
  d.bind = {c.src, c.w, c.dst};
  d.writes = {2};
  add_epilogue(d, c.src, e);
  d.spec.insert(d.spec.end(), {c.transposed ? 1 : 0, is_pointwise(c, cp) ? 1 : 0, t.tm, t.tn, t.tk,
                               t.invocations()});
  set_shapes(d, c, cp);
  d.p.n = i32(np);
  d.p.sa[4] = i32(M);
  d.p.sa[5] = i32(K);
  const int64_t tiles = ceil_div(np, t.tn), gx = std::min(tiles, kMaxGroupsX);
  d.groups[0] = static_cast<uint32_t>(std::max<int64_t>(1, gx));
  d.groups[1] = static_cast<uint32_t>(ceil_div(M, t.tm));
  d.groups[2] = static_cast<uint32_t>(G * ceil_div(tiles, std::max<int64_t>(1, gx)));
  if (np == 0 || M == 0) return {};
  return {{d}};
}

// shaders/conv2d_direct.comp: RM output channels x RN pixels per invocation, no shared memory.
Lowered direct(const ConvSides& c, const ConvParams& cp, const Epilogue& e) {
  const int64_t G = cp.groups, M = c.d[1] / G;
  const int32_t SH = i32(cp.stride[0]), SW = i32(cp.stride[1]), KW = i32(c.wshape[3]);
  auto pow2 = [](int64_t v, int32_t lo, int32_t hi) {
    int32_t r = lo;
    while (r < v && r < hi) r *= 2;
    return r;
  };
  // On lavapipe each per-invocation load costs a loop over the SIMD lanes, so the blocks are
  // as large as possible: the source row is reused by RM channels and the weights by RN pixels.
  // The unrolled body (KW x RM x RN multiply-adds) is capped at 768: 3x3 64->64 ran at
  // 22-25 GFLOP/s with 8x32 or 16x16, and larger bodies took seconds per pipeline to compile.
  int32_t RN = pow2(c.d[3], 4, 32);
  if (c.transposed) RN = std::max(RN, SW) / SW * SW;
  // A transposed pass takes about KW / SW taps per pixel.
  const int32_t taps = c.transposed ? (KW + SW - 1) / SW : KW;
  int32_t RM = 1;
  while (RM < 64 && RM < M && 2 * RM * RN * taps <= 768) RM *= 2;
  const int32_t ystep = c.transposed && cp.dilation[0] == 1 ? SH : 1;
  const int64_t xb = ceil_div(c.d[3], RN), segs = ceil_div(c.d[2], ystep) * xb;
  const int64_t NG = c.d[0] * G;
  // Workgroups no wider than the segments they have (in multiples of the 8-wide SIMD), so
  // small deep layers do not run dead lanes. The shuffle variant needs whole subgroups.
  const auto ctx = Context::get();  // held: a temporary would destroy an unshared context
  const int32_t sg = i32(ctx->info().subgroup_size);
  const bool shuffle = ctx->features().subgroup_shuffle && sg >= 1 && sg <= 64;
  const int32_t unit = shuffle ? std::max(sg, 8) : 8;
  const int32_t lx = i32(ceil_div(std::min<int64_t>(64, segs), unit) * unit);
  const int64_t wgs = ceil_div(segs, lx), gx = std::min(wgs, kMaxGroupsX);
  Dispatch d;
  d.shader = shuffle ? "conv2d_direct_shuffle" : "conv2d_direct";
  d.spec = geometry_spec(c.wshape, cp);
  d.bind = {c.src, c.w, c.dst};
  d.writes = {2};
  add_epilogue(d, c.src, e);
  // Row segments start at a multiple of 4 floats (forward: ox0 * SW, transposed: ox0 / SW) when
  // the rows are whole vec4s: then the shader reads the source four floats at a time.
  const bool vec = c.s[3] % 4 == 0 && (c.transposed ? (RN / SW) % 4 == 0 : RN % 4 == 0);
  d.spec.insert(d.spec.end(),
                {RM, RN, c.transposed ? 1 : 0, i32(cp.pad[0]), i32(cp.pad[1]), lx, vec ? 1 : 0,
                 c.d[3] % 4 == 0 && RN % 4 == 0 ? 1 : 0, shuffle ? sg : 1});
  set_shapes(d, c, cp);
  d.p.n = i32(segs);
  d.p.sa[4] = i32(M);
  d.p.sa[5] = i32(xb);
  d.p.sb[0] = i32(NG);
  d.groups[0] = static_cast<uint32_t>(gx);
  d.groups[1] = static_cast<uint32_t>(ceil_div(M, RM));
  d.groups[2] = static_cast<uint32_t>(NG * ystep * ceil_div(wgs, gx));
  if (segs == 0 || M == 0 || NG == 0) return {};
  return {{d}};
}

// Which forward path: SEGRT_VULKAN_CONV=tiled|direct forces one; otherwise CPU devices take
// the direct path (measured faster on lavapipe), GPUs the shared-memory tiles.
bool use_direct(const ConvSides& c, const ConvParams& cp) {
  if (const char* env = std::getenv("SEGRT_VULKAN_CONV")) {
    const std::string v = env;
    if (v == "direct") return true;
    if (v == "tiled") return false;
    throw Error("SEGRT_VULKAN_CONV: '" + v + "' is not 'direct' or 'tiled'");
  }
  return Context::get()->info().type == "cpu";
}

Lowered conv_lowering(const ConvSides& c, const ConvParams& cp, const Epilogue& e) {
  if (use_direct(c, cp)) return direct(c, cp, e);
  return is_depthwise(c, cp) ? depthwise(c, cp, e) : implicit_gemm(c, cp, e);
}

// Slices of a reduction of `terms` terms for `tiles` workgroups: enough workgroups to fill a
// device, each slice a multiple of `unit` and at least `min_terms` long.
struct Split {
  int64_t slices, length;
};
Split split_reduction(int64_t terms, int64_t tiles, int64_t unit, int64_t min_terms) {
  const int64_t want = std::max<int64_t>(1, ceil_div(512, std::max<int64_t>(1, tiles)));
  const int64_t s = std::clamp<int64_t>(std::min(want, terms / min_terms), 1, 256);
  const int64_t len = ceil_div(ceil_div(std::max<int64_t>(1, terms), s), unit) * unit;
  return {ceil_div(std::max<int64_t>(1, terms), len), len};
}

// The partial sums of `split` slices into scratch 0, added into dw by conv_sum_partials.
void add_partial_sum(Lowered& l, int dw, int64_t elems, int64_t slices) {
  Dispatch& first = l.dispatches.back();
  if (slices == 1) {
    first.bind[2] = dw;
    return;
  }
  l.scratch = {slices * elems};
  first.bind[2] = scratch(0);
  Dispatch s;
  s.shader = "conv_sum_partials";
  s.bind = {scratch(0), scratch(0), dw};
  s.writes = {2};
  s.p.n = i32(elems);
  s.p.red = i32(slices);
  l.dispatches.push_back(s);
}

// x [N, CI, H, W], dy [N, CO, HO, WO] -> dw [CO, CI/G, KH, KW].
Lowered grad_weight(const Graph& g, const ConvParams& cp, int x, int dy, int dw) {
  const Shape &xs = shape_of(g, x), &ys = shape_of(g, dy), &ws = shape_of(g, dw);
  const int64_t G = cp.groups, R = ys[0] * ys[2] * ys[3];
  Lowered l;
  // CPU devices: the direct path without shared memory (conv2d_grad_weight_direct.comp).
  if (use_direct({x, -1, dw, xs, ys, ws, false}, cp)) {
    GradWeightDirect gw = grad_weight_direct(g, cp, x, dy, dw);
    l.dispatches.push_back(gw.d);
    add_partial_sum(l, dw, numel(ws), gw.slices);
    return l;
  }
  Dispatch d;
  d.bind = {x, dy, dw};
  d.writes = {2};
  d.spec = geometry_spec(ws, cp);
  d.p.n = i32(R);
  grad_weight_shape(d.p, xs, ys, cp);
  d.p.sa[2] = i32(cp.pad[1]);
  Split sp;
  if (G == xs[1] && G == ys[1]) {
    // Depthwise: a workgroup of 64 per (channel, slice), each invocation >= 16 terms.
    sp = split_reduction(R, ys[1], 64, 64 * 16);
    d.shader = "conv_depthwise";
    d.spec.insert(d.spec.end(), {0, 0, 0, 0, 2});
    d.groups[0] = static_cast<uint32_t>(ys[1]);
    d.groups[1] = static_cast<uint32_t>(sp.slices);
    d.groups[2] = 1;
  } else {
    const int64_t M = ys[1] / G, K = xs[1] / G * ws[2] * ws[3];
    const Tile t = tile_for(M, K);
    const int64_t tiles = ceil_div(K, t.tn) * ceil_div(M, t.tm) * G;
    sp = split_reduction(R, tiles, t.tk, 16 * t.tk);
    const bool pointwise = ws[2] == 1 && ws[3] == 1 && cp.stride[0] == 1 && cp.stride[1] == 1 &&
                           cp.pad[0] == 0 && cp.pad[1] == 0;
    d.shader = "conv2d_grad_weight";
    // Ids 6-10 are unused by this shader; 11 POINTWISE, 12-15 the tile.
    d.spec.insert(d.spec.end(),
                  {0, 0, 0, 0, 0, pointwise ? 1 : 0, t.tm, t.tn, t.tk, t.invocations()});
    d.p.sa[4] = i32(M);
    d.p.sa[5] = i32(K);
    d.groups[0] = static_cast<uint32_t>(ceil_div(K, t.tn));
    d.groups[1] = static_cast<uint32_t>(ceil_div(M, t.tm));
    d.groups[2] = static_cast<uint32_t>(G * sp.slices);
  }
  d.p.sb[0] = i32(sp.length);
  d.p.sb[1] = i32(sp.slices);
  if (sp.slices * ws[0] * ws[1] * ws[2] * ws[3] > std::numeric_limits<int32_t>::max())
    throw Error("vulkan: conv2d_grad_weight partial sums exceed 32-bit indexing");
  l.dispatches.push_back(d);
  add_partial_sum(l, dw, numel(ws), sp.slices);
  return l;
}

Lowered lower_conv2d(const Graph& g, const Node& n) {
  const ConvParams cp = conv_params(n.attrs, n.op);
  const int bias = n.inputs.size() > 2 ? n.inputs[2] : -1;
  return conv2d_lowering(g, cp, n.inputs.at(0), n.inputs.at(1), bias, -1, -1, -1, ConvAct::None,
                         0.01f, n.outputs.at(0));
}

// conv2d_grad_input (dy, w) -> dx and conv_transpose2d (x, w[, bias]) -> y: the transposed
// pass with src = inputs[0].
Lowered lower_transposed(const Graph& g, const Node& n) {
  const ConvParams cp = conv_params(n.attrs, n.op);
  const int src = n.inputs.at(0), w = n.inputs.at(1), dst = n.outputs.at(0);
  const ConvSides c{src, w, dst, shape_of(g, src), shape_of(g, dst), shape_of(g, w), true};
  Epilogue e;
  if (n.inputs.size() > 2) e.bias = n.inputs[2];
  return conv_lowering(c, cp, e);
}

Lowered lower_grad_weight(const Graph& g, const Node& n) {
  return grad_weight(g, conv_params(n.attrs, n.op), n.inputs.at(0), n.inputs.at(1),
                     n.outputs.at(0));
}

SEGRT_VK_LOWER(lower_conv2d, "conv2d");
SEGRT_VK_LOWER(lower_transposed, "conv2d_grad_input", "conv_transpose2d");
SEGRT_VK_LOWER(lower_grad_weight, "conv2d_grad_weight");

}  // namespace

Lowered conv2d_lowering(const Graph& g, const ConvParams& cp, int x, int w, int bias, int scale,
                        int shift, int residual, ConvAct act, float alpha, int y) {
  const ConvSides c{x, w, y, shape_of(g, x), shape_of(g, y), shape_of(g, w), false};
  return conv_lowering(c, cp, Epilogue{bias, scale, shift, residual, act, alpha});
}

}  // namespace segrt::vk
