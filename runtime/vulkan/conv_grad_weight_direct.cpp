// Block sizes, reduction split and grid of shaders/conv2d_grad_weight_direct.glsl.
#include "runtime/vulkan/conv_grad_weight_direct.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <thread>

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/quirks.h"

namespace segrt::vk {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

constexpr int64_t kMaxSums = 192;  // RM * RC * KR * KW: sums per invocation

// RM output x RC input channels per invocation, KW taps each, 4 multiply-adds per sum and step:
// the unrolled step body stays within 768 multiply-adds (a pipeline then compiles in about
// 20 ms on lavapipe). `rm_first`: output channels grow first, to 16 (their dy is shared by the
// subgroup, so a larger RM costs one load per SG channels; 32 measured no faster); otherwise
// input and output channels grow in turn.
struct Blocks {
  int64_t rm = 1, rc = 1;
};
Blocks blocks(int64_t M, int64_t CIG, int64_t KW, bool rm_first) {
  Blocks b;
  for (;;) {
    const bool room = 2 * b.rm * b.rc * KW <= kMaxSums;
    const bool c_ok = room && b.rc < CIG, m_ok = room && b.rm < M && b.rm < 16;
    if (m_ok && (rm_first || b.rm < b.rc || !c_ok))
      b.rm *= 2;
    else if (c_ok)
      b.rc *= 2;
    else
      return b;
  }
}

}  // namespace

void grad_weight_shape(PushParams& p, const Shape& xs, const Shape& ys, const ConvParams& cp) {
  for (int i = 0; i < 4; ++i) p.dims[i] = i32(xs[i]);
  p.dims[4] = i32(ys[1]);
  p.dims[5] = i32(ys[2]);
  p.sa[0] = i32(ys[3]);
  p.sa[1] = i32(cp.pad[0]);
  p.sa[3] = i32(cp.groups);
}

GradWeightDirect grad_weight_direct(const Graph& g, const ConvParams& cp, int x, int dy, int dw) {
  const Shape &xs = shape_of(g, x), &ys = shape_of(g, dy), &ws = shape_of(g, dw);
  const int64_t G = cp.groups, M = ys[1] / G, CIG = xs[1] / G, KH = ws[2], KW = ws[3];
  const auto ctx = Context::get();
  const int64_t sg = ctx->info().subgroup_size;
  // The shuffle variant when the device has shuffles, the block has output channels to share
  // and at least half of each subgroup's lanes have a (kernel row, input block) of their own.
  Blocks b = blocks(M, CIG, KW, true);
  const bool shuffle = ctx->features().subgroup_shuffle && sg >= 1 && sg <= 64 && b.rm >= 4 &&
                       2 * ceil_div(CIG, b.rc) * KH >= sg;
  if (!shuffle) b = blocks(M, CIG, KW, false);
  // Small blocks (depthwise: 1 x 1) take every kernel row, so each dy load feeds KH rows.
  const int64_t KR = !shuffle && b.rm * b.rc * KH * KW <= kMaxSums ? KH : 1;
  const int64_t CB = ceil_div(CIG, b.rc), MB = ceil_div(M, b.rm), rows = ys[0] * ys[2];
  const int64_t unit = shuffle ? sg : 1, P = ceil_div(CB * (KH / KR), unit) * unit;
  // Split the rows of the reduction until the device has about 64 invocations per core (a
  // lavapipe thread runs 8 SIMD lanes): every slice adds one set of partial sums to add up.
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  const int64_t units = P * MB * G;
  const int64_t want = ceil_div(64 * cores, units);
  const int64_t S0 =
      std::clamp<int64_t>(want, 1, std::min<int64_t>(256, std::max<int64_t>(1, rows)));
  const int64_t L = ceil_div(std::max<int64_t>(1, rows), S0);
  const int64_t S = ceil_div(std::max<int64_t>(1, rows), L);
  if (S * numel(ws) > std::numeric_limits<int32_t>::max())
    throw Error("vulkan: conv2d_grad_weight partial sums exceed 32-bit indexing");
  const int64_t U = units * S;
  // Workgroups of whole SIMD rows (8 lanes) and subgroups, at least 4 per core where there is
  // the work.
  const int64_t step = std::max<int64_t>(8, unit);
  const int64_t lx =
      std::clamp<int64_t>(ceil_div(ceil_div(U, 4 * cores), step) * step, step, 64 / step * step);
  const bool vec = xs[3] % 4 == 0 && ys[3] % 4 == 0;

  GradWeightDirect r;
  Dispatch& d = r.d;
  d.shader = shuffle ? "conv2d_grad_weight_direct_shuffle" : "conv2d_grad_weight_direct";
  d.spec = {i32(KH),
            i32(KW),
            i32(cp.stride[0]),
            i32(cp.stride[1]),
            i32(cp.dilation[0]),
            i32(cp.dilation[1]),
            i32(b.rm),
            i32(b.rc),
            i32(cp.pad[1]),
            vec ? 1 : 0,
            i32(lx),
            i32(shuffle ? sg : 1),
            i32(KR)};
  d.bind = {x, dy, dw};
  d.writes = {2};
  d.p.n = i32(U);
  grad_weight_shape(d.p, xs, ys, cp);
  d.p.sa[4] = i32(M);
  d.p.sa[5] = i32(CIG);
  d.p.sb[0] = i32(L);
  d.p.sb[1] = i32(S);
  d.p.sb[2] = i32(CB);
  d.p.sb[3] = i32(MB);
  d.p.sb[4] = i32(P);
  const int64_t wgs = ceil_div(U, lx), gx = std::min<int64_t>(wgs, 65535);
  d.groups[0] = static_cast<uint32_t>(gx);
  d.groups[1] = static_cast<uint32_t>(ceil_div(wgs, gx));
  d.groups[2] = 1;
  r.slices = S;
  return r;
}

}  // namespace segrt::vk
