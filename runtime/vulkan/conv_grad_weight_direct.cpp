// Block sizes, reduction split and grid of shaders/conv2d_grad_weight_direct.comp.
#include "runtime/vulkan/conv_grad_weight_direct.h"

#include <algorithm>
#include <limits>
#include <thread>

namespace segrt::vk {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

GradWeightDirect grad_weight_direct(const Graph& g, const ConvParams& cp, int x, int dy, int dw) {
  const Shape &xs = shape_of(g, x), &ys = shape_of(g, dy), &ws = shape_of(g, dw);
  const int64_t G = cp.groups, M = ys[1] / G, CIG = xs[1] / G, KH = ws[2], KW = ws[3];
  // RM x RC channel pairs x KW taps per invocation, 4 multiply-adds each per step: the
  // unrolled step body stays within 768 multiply-adds, which compiles in well under a second
  // on lavapipe. Input channels grow first (each feeds a sliding window of the x row), output
  // channels next, keeping the two balanced.
  constexpr int64_t kMaxSums = 192;
  int64_t RM = 1, RC = 1;
  for (;;) {
    const bool c_ok = RC < CIG && 2 * RM * RC * KW <= kMaxSums;
    const bool m_ok = RM < M && 2 * RM * RC * KW <= kMaxSums;
    if (c_ok && (RC <= RM || !m_ok))
      RC *= 2;
    else if (m_ok)
      RM *= 2;
    else
      break;
  }
  const int64_t CB = ceil_div(CIG, RC), MB = ceil_div(M, RM), rows = ys[0] * ys[2];
  // Split the rows of the reduction until the device has about 64 invocations per core (a
  // lavapipe thread runs 8 SIMD lanes): every slice adds one set of partial sums to add up.
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  const int64_t units = CB * MB * KH * G;
  const int64_t want = ceil_div(64 * cores, units);
  const int64_t S0 =
      std::clamp<int64_t>(want, 1, std::min<int64_t>(256, std::max<int64_t>(1, rows)));
  const int64_t L = ceil_div(std::max<int64_t>(1, rows), S0),
                S = ceil_div(std::max<int64_t>(1, rows), L);
  if (S * numel(ws) > std::numeric_limits<int32_t>::max())
    throw Error("vulkan: conv2d_grad_weight partial sums exceed 32-bit indexing");
  const int64_t U = units * S;
  // Workgroups of whole SIMD rows (8 lanes), at least 4 per core where there is the work.
  const int64_t lx = std::clamp<int64_t>(ceil_div(ceil_div(U, 4 * cores), 8) * 8, 8, 64);
  const bool vec = xs[3] % 4 == 0 && ys[3] % 4 == 0;

  GradWeightDirect r;
  Dispatch& d = r.d;
  d.shader = "conv2d_grad_weight_direct";
  d.spec = {i32(KH),
            i32(KW),
            i32(cp.stride[0]),
            i32(cp.stride[1]),
            i32(cp.dilation[0]),
            i32(cp.dilation[1]),
            i32(RM),
            i32(RC),
            i32(cp.pad[1]),
            vec ? 1 : 0,
            i32(lx)};
  d.bind = {x, dy, dw};
  d.writes = {2};
  d.p.n = i32(U);
  d.p.dims[0] = i32(xs[0]);
  d.p.dims[1] = i32(xs[1]);
  d.p.dims[2] = i32(xs[2]);
  d.p.dims[3] = i32(xs[3]);
  d.p.dims[4] = i32(ys[1]);
  d.p.dims[5] = i32(ys[2]);
  d.p.sa[0] = i32(ys[3]);
  d.p.sa[1] = i32(cp.pad[0]);
  d.p.sa[3] = i32(G);
  d.p.sa[4] = i32(M);
  d.p.sa[5] = i32(CIG);
  d.p.sb[0] = i32(L);
  d.p.sb[1] = i32(S);
  d.p.sb[2] = i32(CB);
  d.p.sb[3] = i32(MB);
  const int64_t wgs = ceil_div(U, lx), gx = std::min<int64_t>(wgs, 65535);
  d.groups[0] = static_cast<uint32_t>(gx);
  d.groups[1] = static_cast<uint32_t>(ceil_div(wgs, gx));
  d.groups[2] = 1;
  r.slices = S;
  return r;
}

}  // namespace segrt::vk
