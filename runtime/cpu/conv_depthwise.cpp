// Depthwise convolution (one input and one output channel per group) as direct loops: a GEMM
// per channel would be a 1-row matrix product. Output rows are computed column-vectorised, with
// the taps unrolled for the common 3x3 and 5x5 kernels; columns whose taps all fall inside the
// row take the branch-free path, the few border columns a checked one.
#include <algorithm>
#include <vector>

#include "runtime/cpu/conv.h"

namespace segrt::cpu {
namespace {

// Input offset of each horizontal tap, and the output columns [lo, hi) whose every tap is
// inside the row (empty when the row is narrower than the kernel).
struct Columns {
  std::vector<int64_t> off;
  int64_t lo = 0, hi = 0;
  explicit Columns(const ConvGeom& g) : off(size_t(g.kw)) {
    lo = 0;
    hi = g.wo;
    for (int64_t j = 0; j < g.kw; ++j) {
      off[size_t(j)] = j * g.dw - g.pw;
      int64_t a, b;
      tap_range(off[size_t(j)], g.sw, g.w, g.wo, a, b);
      lo = std::max(lo, a);
      hi = std::min(hi, b);
    }
    if (hi < lo) lo = hi = 0;
  }
};

// One output plane: y = b + sum over taps of w * x. KH/KW fixed at compile time (0: runtime).
// Rows of the padding read `zeros` (one row of zeros) so the column loops need no row checks.
template <typename T, int KH, int KW>
void forward_plane(const ConvGeom& g, const Columns& cl, const T* xp, const T* wc, T b,
                   const T* zeros, T* yp) {
  const int64_t kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, sw = g.sw;
  std::vector<const T*> rows_dyn(KH ? 0 : size_t(kh));
  const T* rows_fix[KH ? KH : 1];
  const T** rows = KH ? rows_fix : rows_dyn.data();
  const int64_t* off = cl.off.data();
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    for (int64_t i = 0; i < kh; ++i) {
      const int64_t ih = oh * g.sh - g.ph + i * g.dh;
      rows[i] = ih >= 0 && ih < g.h ? xp + ih * g.w : zeros;
    }
    T* yr = yp + oh * g.wo;
    auto border = [&](int64_t ow) {
      T acc = b;
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j) {
          const int64_t iw = ow * sw + off[j];
          if (iw >= 0 && iw < g.w) acc += wc[i * kw + j] * rows[i][iw];
        }
      yr[ow] = acc;
    };
    for (int64_t ow = 0; ow < cl.lo; ++ow) border(ow);
    if constexpr (KH > 0 && KW > 0) {
      T wv[KH * KW];
      int64_t o[KW];
      for (int k = 0; k < KH * KW; ++k) wv[k] = wc[k];
      for (int j = 0; j < KW; ++j) o[j] = off[j];
      if (sw == 1) {
        for (int64_t ow = cl.lo; ow < cl.hi; ++ow) {
          T acc = b;
          for (int i = 0; i < KH; ++i)
            for (int j = 0; j < KW; ++j) acc += wv[i * KW + j] * rows[i][ow + o[j]];
          yr[ow] = acc;
        }
      } else {
        for (int64_t ow = cl.lo; ow < cl.hi; ++ow) {
          T acc = b;
          for (int i = 0; i < KH; ++i)
            for (int j = 0; j < KW; ++j) acc += wv[i * KW + j] * rows[i][ow * sw + o[j]];
          yr[ow] = acc;
        }
      }
    } else {
      // Runtime kernel size: accumulate tap by tap over the row.
      std::fill(yr + cl.lo, yr + cl.hi, b);
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j) {
          const T wv = wc[i * kw + j];
          const T* xr = rows[i];
          const int64_t o = off[j];
          for (int64_t ow = cl.lo; ow < cl.hi; ++ow) yr[ow] += wv * xr[ow * sw + o];
        }
    }
    for (int64_t ow = cl.hi; ow < g.wo; ++ow) border(ow);
  }
}

template <typename T>
void forward_planes(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  const Columns cl(g);
  const std::vector<T> zeros(size_t(g.w), T(0));
  const bool k3 = g.kh == 3 && g.kw == 3, k5 = g.kh == 5 && g.kw == 5;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.cin; ++p) {
    const int64_t c = p % g.cin;
    const T* xp = x + p * g.h * g.w;
    const T* wc = wt + c * g.taps();
    const T b = bias ? bias[c] : T(0);
    T* yp = y + p * g.ho * g.wo;
    if (k3)
      forward_plane<T, 3, 3>(g, cl, xp, wc, b, zeros.data(), yp);
    else if (k5)
      forward_plane<T, 5, 5>(g, cl, xp, wc, b, zeros.data(), yp);
    else
      forward_plane<T, 0, 0>(g, cl, xp, wc, b, zeros.data(), yp);
  }
}

}  // namespace

template <typename T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  forward_planes(g, x, wt, bias, y);
}

template <typename T>
void depthwise_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx) {
  const int64_t ph = g.dh * (g.kh - 1) - g.ph, pw = g.dw * (g.kw - 1) - g.pw;
  if (g.sh == 1 && g.sw == 1 && ph >= 0 && pw >= 0) {
    // Stride 1: dx is dy correlated with the flipped kernel, padded by d * (k - 1) - pad.
    ConvGeom t = g;
    t.h = g.ho, t.w = g.wo, t.ho = g.h, t.wo = g.w, t.ph = ph, t.pw = pw;
    std::vector<T> flipped(size_t(g.cin * g.taps()));
    for (int64_t c = 0; c < g.cin; ++c)
      for (int64_t k = 0; k < g.taps(); ++k)
        flipped[size_t(c * g.taps() + k)] = wt[c * g.taps() + g.taps() - 1 - k];
    forward_planes<T>(t, dy, flipped.data(), nullptr, dx);
    return;
  }
  // Strided: scatter each output row's taps back onto the input rows.
  const Columns cl(g);
  std::vector<int64_t> lo(size_t(g.kw)), hi(size_t(g.kw));
  for (int64_t j = 0; j < g.kw; ++j) tap_range(cl.off[size_t(j)], g.sw, g.w, g.wo, lo[j], hi[j]);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.cin; ++p) {
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
          const int64_t off = cl.off[size_t(j)];
          for (int64_t ow = lo[j]; ow < hi[j]; ++ow) dxr[ow * g.sw + off] += wv * dyr[ow];
        }
      }
    }
  }
}

// One thread per channel: its taps sum over the whole batch, so no reduction across threads.
template <typename T>
void depthwise_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const Columns cl(g);
  std::vector<int64_t> lo(size_t(g.kw)), hi(size_t(g.kw));
  for (int64_t j = 0; j < g.kw; ++j) tap_range(cl.off[size_t(j)], g.sw, g.w, g.wo, lo[j], hi[j]);
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
            const int64_t off = cl.off[size_t(j)];
            T s = 0;
            if (g.sw == 1) {
#pragma omp simd reduction(+ : s)
              for (int64_t ow = lo[j]; ow < hi[j]; ++ow) s += dyr[ow] * xr[ow + off];
            } else {
              for (int64_t ow = lo[j]; ow < hi[j]; ++ow) s += dyr[ow] * xr[ow * g.sw + off];
            }
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
