// CPU kernels for up-sampling. Each output row and column maps to two source indices and a
// weight (nearest: one index, weight 0), computed once per call; planes run in parallel.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

struct Tap {
  int64_t i0, i1;
  double l1;  // weight of i1; i0 gets 1 - l1
};

// Source taps of the `out` positions along one axis of extent `in`.
std::vector<Tap> taps(int64_t in, int64_t out, int64_t scale, bool bilinear, bool align) {
  std::vector<Tap> t(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    if (!bilinear) {
      t[o] = {o / scale, o / scale, 0.0};
      continue;
    }
    double src;
    if (align) src = out > 1 ? double(o) * double(in - 1) / double(out - 1) : 0.0;
    // Half-pixel centres, clamped at the first pixel as PyTorch and TensorFlow do.
    else
      src = std::max(0.0, (double(o) + 0.5) / double(scale) - 0.5);
    const int64_t i0 = std::min(int64_t(src), in - 1);
    t[o] = {i0, std::min(i0 + 1, in - 1), src - double(i0)};
  }
  return t;
}

struct Plan {
  int64_t planes, h, w, ho, wo;
  bool bilinear;
  std::vector<Tap> ty, tx;
  Plan(const Shape& x, const Shape& y, const Attrs& a)
      : planes(x[0] * x[1]),
        h(x[2]),
        w(x[3]),
        ho(y[2]),
        wo(y[3]),
        bilinear(a.s("mode", "nearest") == "bilinear") {
    const int64_t s = a.i("scale", 2);
    const bool al = a.i("align_corners", 0) != 0;
    ty = taps(h, ho, s, bilinear, al);
    tx = taps(w, wo, s, bilinear, al);
  }
};

template <typename T>
void upsample(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const Plan P(x.shape, y.shape, a.attrs());
#pragma omp parallel for if (y.n() > 65536)
  for (int64_t p = 0; p < P.planes; ++p) {
    const T* xp = x.p + p * P.h * P.w;
    T* yp = y.p + p * P.ho * P.wo;
    for (int64_t oy = 0; oy < P.ho; ++oy) {
      const Tap& ty = P.ty[oy];
      const T* r0 = xp + ty.i0 * P.w;
      const T* r1 = xp + ty.i1 * P.w;
      T* yr = yp + oy * P.wo;
      if (!P.bilinear) {  // a plain copy, exact even for infinities
        for (int64_t ox = 0; ox < P.wo; ++ox) yr[ox] = r0[P.tx[ox].i0];
        continue;
      }
      const T ly = T(ty.l1);
      for (int64_t ox = 0; ox < P.wo; ++ox) {
        const Tap& tx = P.tx[ox];
        const T lx = T(tx.l1);
        const T top = r0[tx.i0] + lx * (r0[tx.i1] - r0[tx.i0]);
        const T bot = r1[tx.i0] + lx * (r1[tx.i1] - r1[tx.i0]);
        yr[ox] = top + ly * (bot - top);
      }
    }
  }
}
SEGRT_CPU_KERNEL(upsample, upsample);

template <typename T>
void upsample_grad(const Args<T>& a) {
  const auto &dy = a.in[0], &dx = a.out[0];
  const Plan P(dx.shape, dy.shape, a.attrs());
#pragma omp parallel for if (dy.n() > 65536)
  for (int64_t p = 0; p < P.planes; ++p) {
    const T* gp = dy.p + p * P.ho * P.wo;
    T* xp = dx.p + p * P.h * P.w;
    std::fill(xp, xp + P.h * P.w, T(0));
    for (int64_t oy = 0; oy < P.ho; ++oy) {
      const Tap& ty = P.ty[oy];
      T* r0 = xp + ty.i0 * P.w;
      T* r1 = xp + ty.i1 * P.w;
      const T* gr = gp + oy * P.wo;
      if (!P.bilinear) {
        for (int64_t ox = 0; ox < P.wo; ++ox) r0[P.tx[ox].i0] += gr[ox];
        continue;
      }
      const T ly = T(ty.l1);
      for (int64_t ox = 0; ox < P.wo; ++ox) {
        const Tap& tx = P.tx[ox];
        const T lx = T(tx.l1), g = gr[ox];
        const T gt = g * (T(1) - ly), gb = g * ly;
        r0[tx.i0] += gt * (T(1) - lx);
        r0[tx.i1] += gt * lx;
        r1[tx.i0] += gb * (T(1) - lx);
        r1[tx.i1] += gb * lx;
      }
    }
  }
}
SEGRT_CPU_KERNEL(upsample_grad, upsample_grad);

}  // namespace
}  // namespace segrt::cpu
