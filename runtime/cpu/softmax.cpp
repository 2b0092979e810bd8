// CPU kernels for softmax over channels, a tile of contiguous pixels at a time.
#include <cmath>
#include <limits>

#include "runtime/cpu/kernel.h"
#include "runtime/cpu/pixel_tiles.h"

namespace segrt::cpu {
namespace {

template <typename T>
void softmax_channels(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const int64_t C = x.dim(1), hw = x.dim(2) * x.dim(3);
  for_pixel_tiles(x.dim(0), hw, C, [&](int64_t n, int64_t i0, int64_t i1) {
    T mx[kTile];
    T sum[kTile] = {};
    const T* xn = x.p + n * C * hw;
    T* yn = y.p + n * C * hw;
    for (int64_t i = i0; i < i1; ++i) mx[i - i0] = -std::numeric_limits<T>::infinity();
    for (int64_t c = 0; c < C; ++c)  // subtract the max: exp never overflows
      for (int64_t i = i0; i < i1; ++i) mx[i - i0] = std::max(mx[i - i0], xn[c * hw + i]);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) {
        const T e = std::exp(xn[c * hw + i] - mx[i - i0]);
        yn[c * hw + i] = e;
        sum[i - i0] += e;
      }
    for (int64_t i = i0; i < i1; ++i) sum[i - i0] = T(1) / sum[i - i0];
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) yn[c * hw + i] *= sum[i - i0];
  });
}
SEGRT_CPU_KERNEL(softmax_channels, softmax_channels);

template <typename T>
void softmax_channels_grad(const Args<T>& a) {
  const auto &y = a.in[0], &dy = a.in[1], &dx = a.out[0];
  const int64_t C = y.dim(1), hw = y.dim(2) * y.dim(3);
  for_pixel_tiles(y.dim(0), hw, C, [&](int64_t n, int64_t i0, int64_t i1) {
    T dot[kTile] = {};
    const int64_t o = n * C * hw;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) dot[i - i0] += y[o + c * hw + i] * dy[o + c * hw + i];
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t k = o + c * hw + i;
        dx[k] = y[k] * (dy[k] - dot[i - i0]);
      }
  });
}
SEGRT_CPU_KERNEL(softmax_channels_grad, softmax_channels_grad);

}  // namespace
}  // namespace segrt::cpu
