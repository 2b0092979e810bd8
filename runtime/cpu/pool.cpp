// CPU kernels for pooling. Every kernel works one (n, c) plane at a time, so planes run in
// parallel and the gradient scatters never race.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/ops/window.h"
#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

// One plane's geometry: input H x W, output Ho x Wo, the window.
struct Plane {
  int64_t h, w, ho, wo;
  PoolGeom g;
  Plane(const Shape& x, const Shape& y, const Attrs& a, const char* op)
      : h(x[2]), w(x[3]), ho(y[2]), wo(y[3]), g(PoolGeom::from(a, op)) {}
  // Window of output (oy, ox) clipped to the input: rows [y0, y1), columns [x0, x1).
  void window(int64_t oy, int64_t ox, int64_t& y0, int64_t& y1, int64_t& x0, int64_t& x1) const {
    const int64_t ys = oy * g.s[0] - g.p[0], xs = ox * g.s[1] - g.p[1];
    y0 = std::max<int64_t>(ys, 0);
    y1 = std::min(ys + g.k[0], h);
    x0 = std::max<int64_t>(xs, 0);
    x1 = std::min(xs + g.k[1], w);
  }
};

// Index (within the plane) of the window's maximum. Window order is row-major, and only a
// strictly larger value replaces the best, so the first of equal values wins; a NaN wins over
// numbers and the first NaN stays, so NaNs propagate as in PyTorch. Forward and gradient
// both use this, so they agree on ties.
template <typename T>
int64_t argmax(const T* x, const Plane& pl, int64_t oy, int64_t ox) {
  int64_t y0, y1, x0, x1;
  pl.window(oy, ox, y0, y1, x0, x1);
  int64_t best = y0 * pl.w + x0;
  T bv = x[best];
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) {
      const T v = x[iy * pl.w + ix];
      if (v > bv || (std::isnan(v) && !std::isnan(bv))) {
        bv = v;
        best = iy * pl.w + ix;
      }
    }
  return best;
}

template <typename T>
void max_pool2d(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const Plane pl(x.shape, y.shape, a.attrs(), "max_pool2d");
  const int64_t planes = x.dim(0) * x.dim(1);
#pragma omp parallel for if (y.n() > 16384)
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x.p + p * pl.h * pl.w;
    T* yp = y.p + p * pl.ho * pl.wo;
    for (int64_t oy = 0; oy < pl.ho; ++oy)
      for (int64_t ox = 0; ox < pl.wo; ++ox) yp[oy * pl.wo + ox] = xp[argmax(xp, pl, oy, ox)];
  }
}
SEGRT_CPU_KERNEL(max_pool2d, max_pool2d);

template <typename T>
void max_pool2d_grad(const Args<T>& a) {
  const auto &x = a.in[0], &dy = a.in[1], &dx = a.out[0];
  const Plane pl(x.shape, dy.shape, a.attrs(), "max_pool2d_grad");
  const int64_t planes = x.dim(0) * x.dim(1);
#pragma omp parallel for if (x.n() > 16384)
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x.p + p * pl.h * pl.w;
    const T* dyp = dy.p + p * pl.ho * pl.wo;
    T* dxp = dx.p + p * pl.h * pl.w;
    std::fill(dxp, dxp + pl.h * pl.w, T(0));
    for (int64_t oy = 0; oy < pl.ho; ++oy)
      for (int64_t ox = 0; ox < pl.wo; ++ox) dxp[argmax(xp, pl, oy, ox)] += dyp[oy * pl.wo + ox];
  }
}
SEGRT_CPU_KERNEL(max_pool2d_grad, max_pool2d_grad);

// Divisor of a window: the full kernel area when padding counts (PyTorch's default), else the
// number of real elements (Keras 'same' average pooling).
int64_t divisor(const Plane& pl, bool include_pad, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
  return include_pad ? pl.g.k[0] * pl.g.k[1] : (y1 - y0) * (x1 - x0);
}

template <typename T>
void avg_pool2d(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const Plane pl(x.shape, y.shape, a.attrs(), "avg_pool2d");
  const bool include_pad = a.attrs().i("count_include_pad", 1) != 0;
  const int64_t planes = x.dim(0) * x.dim(1);
#pragma omp parallel for if (y.n() > 16384)
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x.p + p * pl.h * pl.w;
    T* yp = y.p + p * pl.ho * pl.wo;
    for (int64_t oy = 0; oy < pl.ho; ++oy)
      for (int64_t ox = 0; ox < pl.wo; ++ox) {
        int64_t y0, y1, x0, x1;
        pl.window(oy, ox, y0, y1, x0, x1);
        T s = 0;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) s += xp[iy * pl.w + ix];
        yp[oy * pl.wo + ox] = s / T(divisor(pl, include_pad, y0, y1, x0, x1));
      }
  }
}
SEGRT_CPU_KERNEL(avg_pool2d, avg_pool2d);

template <typename T>
void avg_pool2d_grad(const Args<T>& a) {
  const auto &dy = a.in[0], &dx = a.out[0];
  const Plane pl(dx.shape, dy.shape, a.attrs(), "avg_pool2d_grad");
  const bool include_pad = a.attrs().i("count_include_pad", 1) != 0;
  const int64_t planes = dx.dim(0) * dx.dim(1);
#pragma omp parallel for if (dx.n() > 16384)
  for (int64_t p = 0; p < planes; ++p) {
    const T* dyp = dy.p + p * pl.ho * pl.wo;
    T* dxp = dx.p + p * pl.h * pl.w;
    std::fill(dxp, dxp + pl.h * pl.w, T(0));
    for (int64_t oy = 0; oy < pl.ho; ++oy)
      for (int64_t ox = 0; ox < pl.wo; ++ox) {
        int64_t y0, y1, x0, x1;
        pl.window(oy, ox, y0, y1, x0, x1);
        const T g = dyp[oy * pl.wo + ox] / T(divisor(pl, include_pad, y0, y1, x0, x1));
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) dxp[iy * pl.w + ix] += g;
      }
  }
}
SEGRT_CPU_KERNEL(avg_pool2d_grad, avg_pool2d_grad);

template <typename T>
void global_avg_pool(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const int64_t planes = x.dim(0) * x.dim(1), hw = x.dim(2) * x.dim(3);
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x.p + p * hw;
    T s = 0;
    for (int64_t i = 0; i < hw; ++i) s += xp[i];
    y[p] = s / T(hw);
  }
}
SEGRT_CPU_KERNEL(global_avg_pool, global_avg_pool);

}  // namespace
}  // namespace segrt::cpu
