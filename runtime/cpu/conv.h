// The convolution engine behind conv2d, its gradient ops and conv_transpose2d. Everything is
// phrased as a conv2d: input x [n, cin, h, w], weight [cout, cin/groups, kh, kw], output
// y [n, cout, ho, wo]. A transposed convolution is the input-gradient of the conv2d that maps
// its output back onto its input.
#pragma once

#include <cstdint>

#include "graph/ops/conv_params.h"

namespace segrt::cpu {

struct ConvGeom {
  int64_t n, cin, h, w;  // input
  int64_t cout, kh, kw;  // weight
  int64_t ho, wo;        // output
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t groups;

  int64_t cin_g() const { return cin / groups; }
  int64_t cout_g() const { return cout / groups; }
  int64_t taps() const { return kh * kw; }
  // Rows of one group's im2col matrix (= columns of one group's weight matrix).
  int64_t kdim() const { return cin_g() * kh * kw; }
  // 1x1, stride 1, no padding: the input already is the im2col matrix.
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
  // One input and one output channel per group: a direct loop beats a GEMM.
  bool depthwise() const { return groups == cin && groups == cout && groups > 1; }
};

// Geometry of the conv2d with input `x`, weight `w` (OIHW) and output `y`.
ConvGeom conv_geom(const Shape& x, const Shape& w, const Shape& y, const ConvParams& p);

// y = conv(x, w) (+ bias per output channel when bias is not null).
template <typename T>
void conv_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y);
// dx = the adjoint of conv(., w) applied to dy.
template <typename T>
void conv_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx);
// dw = the gradient of <dy, conv(x, w)> with respect to w, summed over the batch.
template <typename T>
void conv_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw);

// Direct depthwise kernels (g.depthwise()), used by the three entry points above.
template <typename T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y);
template <typename T>
void depthwise_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx);
template <typename T>
void depthwise_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw);

// Output positions o in [0, out) whose tap o * stride + offset falls inside [0, in):
// returns [lo, hi) (empty when hi <= lo).
inline void tap_range(int64_t offset, int64_t stride, int64_t in, int64_t out, int64_t& lo,
                      int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
  if (hi > out) hi = out;
  if (lo > hi) lo = hi;
}

}  // namespace segrt::cpu
