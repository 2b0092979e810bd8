// CPU kernels for involution. Each task owns one output plane, so the scatters of the input
// gradient never race: forward and grad_input go by (n, channel) plane, grad_kernel by
// (n, group, tap) plane. Inner loops run over an output row's in-bounds columns.
#include <algorithm>

#include "graph/ops/window.h"
#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

struct Dims {
  int64_t n, c, h, w, ho, wo, cg;  // cg: channels per group
  InvGeom v;
  Dims(const Shape& x, const Shape& y, const Attrs& a)
      : n(x[0]), c(x[1]), h(x[2]), w(x[3]), ho(y[2]), wo(y[3]), v(InvGeom::from(a, "involution")) {
    cg = c / v.g;
  }
  // Output columns [lo, hi) whose tap kx lands inside the input row.
  void cols(int64_t kx, int64_t& lo, int64_t& hi) const {
    const int64_t off = v.d[1] * kx - v.p[1], s = v.s[1];
    lo = off >= 0 ? 0 : (-off + s - 1) / s;
    hi = w - off <= 0 ? 0 : std::min(wo, (w - off + s - 1) / s);
    if (hi < lo) hi = lo;
  }
  // Input row of output row oy and tap ky; -1 when it falls in the padding.
  int64_t row(int64_t oy, int64_t ky) const {
    const int64_t iy = oy * v.s[0] + v.d[0] * ky - v.p[0];
    return iy >= 0 && iy < h ? iy : -1;
  }
  int64_t col(int64_t ox, int64_t kx) const { return ox * v.s[1] + v.d[1] * kx - v.p[1]; }
  int64_t taps() const { return v.k * v.k; }
};

template <typename T>
void involution(const Args<T>& a) {
  const auto &x = a.in[0], &kern = a.in[1], &y = a.out[0];
  const Dims D(x.shape, y.shape, a.attrs());
  const int64_t ohw = D.ho * D.wo;
#pragma omp parallel for if (y.n() * D.taps() > 65536)
  for (int64_t p = 0; p < D.n * D.c; ++p) {
    const int64_t n = p / D.c, ch = p % D.c, gi = ch / D.cg;
    const T* xp = x.p + p * D.h * D.w;
    T* yp = y.p + p * ohw;
    std::fill(yp, yp + ohw, T(0));
    for (int64_t ky = 0; ky < D.v.k; ++ky)
      for (int64_t kx = 0; kx < D.v.k; ++kx) {
        const T* kp = kern.p + (n * D.v.g * D.taps() + gi * D.taps() + ky * D.v.k + kx) * ohw;
        int64_t lo, hi;
        D.cols(kx, lo, hi);
        for (int64_t oy = 0; oy < D.ho; ++oy) {
          const int64_t iy = D.row(oy, ky);
          if (iy < 0) continue;
          const T* xr = xp + iy * D.w;
          for (int64_t ox = lo; ox < hi; ++ox)
            yp[oy * D.wo + ox] += kp[oy * D.wo + ox] * xr[D.col(ox, kx)];
        }
      }
  }
}
SEGRT_CPU_KERNEL(involution, involution);

// dx[n, ch, iy, ix] = sum over outputs and taps reading (iy, ix) of kernel * dy.
template <typename T>
void involution_grad_input(const Args<T>& a) {
  const auto &kern = a.in[0], &dy = a.in[1], &dx = a.out[0];
  const Dims D(dx.shape, dy.shape, a.attrs());
  const int64_t ohw = D.ho * D.wo;
#pragma omp parallel for if (dy.n() * D.taps() > 65536)
  for (int64_t p = 0; p < D.n * D.c; ++p) {
    const int64_t n = p / D.c, ch = p % D.c, gi = ch / D.cg;
    const T* gp = dy.p + p * ohw;
    T* xp = dx.p + p * D.h * D.w;
    std::fill(xp, xp + D.h * D.w, T(0));
    for (int64_t ky = 0; ky < D.v.k; ++ky)
      for (int64_t kx = 0; kx < D.v.k; ++kx) {
        const T* kp = kern.p + (n * D.v.g * D.taps() + gi * D.taps() + ky * D.v.k + kx) * ohw;
        int64_t lo, hi;
        D.cols(kx, lo, hi);
        for (int64_t oy = 0; oy < D.ho; ++oy) {
          const int64_t iy = D.row(oy, ky);
          if (iy < 0) continue;
          T* xr = xp + iy * D.w;
          for (int64_t ox = lo; ox < hi; ++ox)
            xr[D.col(ox, kx)] += kp[oy * D.wo + ox] * gp[oy * D.wo + ox];
        }
      }
  }
}
SEGRT_CPU_KERNEL(involution_grad_input, involution_grad_input);

// dkernel[n, g*K*K + k, oy, ox] = sum over the group's channels of dy * x at tap k.
template <typename T>
void involution_grad_kernel(const Args<T>& a) {
  const auto &x = a.in[0], &dy = a.in[1], &dk = a.out[0];
  const Dims D(x.shape, dy.shape, a.attrs());
  const int64_t ohw = D.ho * D.wo, planes = D.n * D.v.g * D.taps();
#pragma omp parallel for if (dy.n() * D.taps() > 65536)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / (D.v.g * D.taps()), gi = p / D.taps() % D.v.g, k = p % D.taps();
    const int64_t ky = k / D.v.k, kx = k % D.v.k;
    T* kp = dk.p + p * ohw;
    std::fill(kp, kp + ohw, T(0));
    int64_t lo, hi;
    D.cols(kx, lo, hi);
    for (int64_t c = 0; c < D.cg; ++c) {
      const int64_t plane = n * D.c + gi * D.cg + c;
      const T* xp = x.p + plane * D.h * D.w;
      const T* gp = dy.p + plane * ohw;
      for (int64_t oy = 0; oy < D.ho; ++oy) {
        const int64_t iy = D.row(oy, ky);
        if (iy < 0) continue;
        const T* xr = xp + iy * D.w;
        for (int64_t ox = lo; ox < hi; ++ox)
          kp[oy * D.wo + ox] += gp[oy * D.wo + ox] * xr[D.col(ox, kx)];
      }
    }
  }
}
SEGRT_CPU_KERNEL(involution_grad_kernel, involution_grad_kernel);

}  // namespace
}  // namespace segrt::cpu
