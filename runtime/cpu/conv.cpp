// CPU kernels of conv2d, its gradient ops and conv_transpose2d, all on the engine of conv.h.
#include "runtime/cpu/conv.h"

#include <algorithm>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

template <typename T>
void conv2d(const Args<T>& a) {
  const ConvGeom g =
      conv_geom(a.in[0].shape, a.in[1].shape, a.out[0].shape, conv_params(a.attrs(), "conv2d"));
  conv_forward(g, a.in[0].p, a.in[1].p, a.in.size() > 2 ? a.in[2].p : nullptr, a.out[0].p);
}
SEGRT_CPU_KERNEL(conv2d, conv2d);

// Inputs (dy, w); output dx.
template <typename T>
void conv2d_grad_input(const Args<T>& a) {
  const ConvGeom g = conv_geom(a.out[0].shape, a.in[1].shape, a.in[0].shape,
                               conv_params(a.attrs(), "conv2d_grad_input"));
  conv_grad_input(g, a.in[0].p, a.in[1].p, a.out[0].p);
}
SEGRT_CPU_KERNEL(conv2d_grad_input, conv2d_grad_input);

// Inputs (x, dy); output dw.
template <typename T>
void conv2d_grad_weight(const Args<T>& a) {
  const ConvGeom g = conv_geom(a.in[0].shape, a.out[0].shape, a.in[1].shape,
                               conv_params(a.attrs(), "conv2d_grad_weight"));
  conv_grad_weight(g, a.in[0].p, a.in[1].p, a.out[0].p);
}
SEGRT_CPU_KERNEL(conv2d_grad_weight, conv2d_grad_weight);

// The conv2d read backwards: its input is our output y, its output our input x.
template <typename T>
void conv_transpose2d(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const ConvGeom g =
      conv_geom(y.shape, a.in[1].shape, x.shape, conv_params(a.attrs(), "conv_transpose2d"));
  conv_grad_input(g, x.p, a.in[1].p, y.p);
  if (a.in.size() < 3) return;
  const T* bias = a.in[2].p;
  const int64_t c = y.dim(1), hw = y.dim(2) * y.dim(3);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < y.dim(0) * c; ++p) {
    T* yp = y.p + p * hw;
    const T b = bias[p % c];
    for (int64_t i = 0; i < hw; ++i) yp[i] += b;
  }
}
SEGRT_CPU_KERNEL(conv_transpose2d, conv_transpose2d);

}  // namespace
}  // namespace segrt::cpu
