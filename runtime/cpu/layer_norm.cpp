// CPU kernels for layer norm over channels (per pixel). Statistics are computed for a tile of
// contiguous pixels at a time, walking channels in the outer loop so inner loops are unit-stride.
#include <cmath>

#include "runtime/cpu/kernel.h"
#include "runtime/cpu/pixel_tiles.h"

namespace segrt::cpu {
namespace {

template <typename T>
void layer_norm_channels(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &beta = a.in[2];
  const auto &y = a.out[0], &mean = a.out[1], &invstd = a.out[2];
  const double eps = a.attrs().f("eps", 1e-3);
  const int64_t C = x.dim(1), hw = x.dim(2) * x.dim(3);
  for_pixel_tiles(x.dim(0), hw, C, [&](int64_t n, int64_t i0, int64_t i1) {
    double mu[kTile] = {}, ss[kTile] = {};
    const T* xn = x.p + n * C * hw;
    T* yn = y.p + n * C * hw;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) mu[i - i0] += xn[c * hw + i];
    for (int64_t i = i0; i < i1; ++i) mu[i - i0] /= double(C);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) {
        const double d = xn[c * hw + i] - mu[i - i0];
        ss[i - i0] += d * d;
      }
    for (int64_t i = i0; i < i1; ++i) {
      ss[i - i0] = 1.0 / std::sqrt(ss[i - i0] / double(C) + eps);  // now invstd
      mean[n * hw + i] = T(mu[i - i0]);
      invstd[n * hw + i] = T(ss[i - i0]);
    }
    for (int64_t c = 0; c < C; ++c) {
      const double g = gamma[c], b = beta[c];
      for (int64_t i = i0; i < i1; ++i)
        yn[c * hw + i] = T((xn[c * hw + i] - mu[i - i0]) * ss[i - i0] * g + b);
    }
  });
}
SEGRT_CPU_KERNEL(layer_norm_channels, layer_norm_channels);

// Per pixel, with g = dy * gamma over the C channels:
//   dx = invstd * (g - mean_c(g) - xhat * mean_c(g * xhat)).
// dgamma = sum over n, h, w of dy * xhat; dbeta = sum of dy (one channel per task).
template <typename T>
void layer_norm_channels_grad(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &mean = a.in[2], &invstd = a.in[3], &dy = a.in[4];
  const auto &dx = a.out[0], &dgamma = a.out[1], &dbeta = a.out[2];
  const int64_t N = x.dim(0), C = x.dim(1), hw = x.dim(2) * x.dim(3);
  for_pixel_tiles(N, hw, C, [&](int64_t n, int64_t i0, int64_t i1) {
    double sg[kTile] = {}, sgx[kTile] = {};
    const int64_t o = n * C * hw;
    const T *mu = mean.p + n * hw, *inv = invstd.p + n * hw;
    for (int64_t c = 0; c < C; ++c) {
      const double gm = gamma[c];
      for (int64_t i = i0; i < i1; ++i) {
        const double g = double(dy[o + c * hw + i]) * gm;
        sg[i - i0] += g;
        sgx[i - i0] += g * (double(x[o + c * hw + i]) - mu[i]) * double(inv[i]);
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      const double gm = gamma[c];
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t k = o + c * hw + i;
        const double xh = (double(x[k]) - mu[i]) * double(inv[i]);
        dx[k] = T(double(inv[i]) *
                  (double(dy[k]) * gm - sg[i - i0] / double(C) - xh * sgx[i - i0] / double(C)));
      }
    }
  });
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t c = 0; c < C; ++c) {
    double sdy = 0, sdyx = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < hw; ++i) {
        const int64_t k = (n * C + c) * hw + i;
        sdy += dy[k];
        sdyx +=
            double(dy[k]) * (double(x[k]) - double(mean[n * hw + i])) * double(invstd[n * hw + i]);
      }
    dgamma[c] = T(sdyx);
    dbeta[c] = T(sdy);
  }
}
SEGRT_CPU_KERNEL(layer_norm_channels_grad, layer_norm_channels_grad);

}  // namespace
}  // namespace segrt::cpu
