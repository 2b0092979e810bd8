// Depthwise convolution (one input and one output channel per group) as direct loops: a GEMM
// per channel would be a 1-row matrix product. Each tap adds a weighted input row segment to
// an output row, which vectorises for stride 1.
#include <algorithm>
#include <vector>

#include "runtime/cpu/conv.h"

namespace segrt::cpu {
namespace {

// Valid output-column range [lo, hi) and input offset of each horizontal tap.
struct TapCols {
  std::vector<int64_t> lo, hi, off;
  explicit TapCols(const ConvGeom& g) : lo(g.kw), hi(g.kw), off(g.kw) {
    for (int64_t j = 0; j < g.kw; ++j) {
      off[j] = j * g.dw - g.pw;
      tap_range(off[j], g.sw, g.w, g.wo, lo[j], hi[j]);
    }
  }
};

}  // namespace

template <typename T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  const TapCols tc(g);
  const int64_t planes = g.n * g.cin;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % g.cin;
    const T* xp = x + p * g.h * g.w;
    const T* wc = wt + c * g.taps();
    T* yp = y + p * g.ho * g.wo;
    const T b = bias ? bias[c] : T(0);
    for (int64_t oh = 0; oh < g.ho; ++oh) {
      T* yr = yp + oh * g.wo;
      std::fill(yr, yr + g.wo, b);
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * g.sh - g.ph + i * g.dh;
        if (ih < 0 || ih >= g.h) continue;
        const T* xr = xp + ih * g.w;
        for (int64_t j = 0; j < g.kw; ++j) {
          const T wv = wc[i * g.kw + j];
          const int64_t off = tc.off[j];
          if (g.sw == 1) {
            for (int64_t ow = tc.lo[j]; ow < tc.hi[j]; ++ow) yr[ow] += wv * xr[ow + off];
          } else {
            for (int64_t ow = tc.lo[j]; ow < tc.hi[j]; ++ow) yr[ow] += wv * xr[ow * g.sw + off];
          }
        }
      }
    }
  }
}

template <typename T>
void depthwise_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx) {
  const TapCols tc(g);
  const int64_t planes = g.n * g.cin;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % g.cin;
    const T* dyp = dy + p * g.ho * g.wo;
    const T* wc = wt + c * g.taps();
    T* dxp = dx + p * g.h * g.w;
    std::fill(dxp, dxp + g.h * g.w, T(0));
    for (int64_t oh = 0; oh < g.ho; ++oh) {
      const T* dyr = dyp + oh * g.wo;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * g.sh - g.ph + i * g.dh;
        if (ih < 0 || ih >= g.h) continue;
        T* dxr = dxp + ih * g.w;
        for (int64_t j = 0; j < g.kw; ++j) {
          const T wv = wc[i * g.kw + j];
          const int64_t off = tc.off[j];
          if (g.sw == 1) {
            for (int64_t ow = tc.lo[j]; ow < tc.hi[j]; ++ow) dxr[ow + off] += wv * dyr[ow];
          } else {
            for (int64_t ow = tc.lo[j]; ow < tc.hi[j]; ++ow) dxr[ow * g.sw + off] += wv * dyr[ow];
          }
        }
      }
    }
  }
}

// One thread per channel: its taps sum over the whole batch, so no reduction across threads.
template <typename T>
void depthwise_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const TapCols tc(g);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < g.cin; ++c) {
    T* acc = dw + c * g.taps();
    std::fill(acc, acc + g.taps(), T(0));
    for (int64_t ni = 0; ni < g.n; ++ni) {
      const T* xp = x + (ni * g.cin + c) * g.h * g.w;
      const T* dyp = dy + (ni * g.cin + c) * g.ho * g.wo;
      for (int64_t oh = 0; oh < g.ho; ++oh) {
        const T* dyr = dyp + oh * g.wo;
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          const T* xr = xp + ih * g.w;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t off = tc.off[j], step = g.sw;
            T s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t ow = tc.lo[j]; ow < tc.hi[j]; ++ow) s += dyr[ow] * xr[ow * step + off];
            acc[i * g.kw + j] += s;
          }
        }
      }
    }
  }
}

#define SEGRT_DEPTHWISE_INSTANTIATE(T)                                                   \
  template void depthwise_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*); \
  template void depthwise_grad_input<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void depthwise_grad_weight<T>(const ConvGeom&, const T*, const T*, T*);
SEGRT_DEPTHWISE_INSTANTIATE(float)
SEGRT_DEPTHWISE_INSTANTIATE(double)

}  // namespace segrt::cpu
