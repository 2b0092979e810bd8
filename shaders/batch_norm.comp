// Batch norm's elementwise passes over x [N, C, H, W], one invocation per element, channel
// c = (i / HW) % C. p.n = N*C*H*W, p.dims = {C, HW, M = N*HW}, p.alpha = eps.
// MODE 0 (batch_norm_train y): 0 x, 1 gamma, 2 beta, 3 mean, 4 invstd -> 5 y.
// MODE 1 (batch_norm_infer y): 0 x, 1 gamma, 2 beta, 3 running_mean, 4 running_var -> 5 y.
//   Both: y = x * sc + sh with sc = gamma * invstd, sh = beta - mean * sc, as the CPU kernel.
// MODE 2 (batch_norm_grad dx): 0 x, 1 gamma, 2 mean, 3 invstd, 4 dy, 5 dgamma, 6 dbeta -> 7 dx,
//   dx = gamma * invstd * (dy - dbeta / M - xhat * dgamma / M).
// MODE 3 (batch_norm_infer_grad dx): 0 dy, 1 gamma, 2 running_var -> 3 dx = dy * gamma * invstd.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer B0 { sfloat b0[]; };
layout(std430, binding = 1) readonly buffer B1 { sfloat b1[]; };
layout(std430, binding = 2) readonly buffer B2 { sfloat b2[]; };
layout(std430, binding = 3) buffer B3 { sfloat b3[]; };
layout(std430, binding = 4) readonly buffer B4 { sfloat b4[]; };
layout(std430, binding = 5) buffer B5 { sfloat b5[]; };
layout(std430, binding = 6) readonly buffer B6 { sfloat b6[]; };
layout(std430, binding = 7) writeonly buffer B7 { sfloat b7[]; };

layout(constant_id = 0) const int MODE = 0;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int c = (i / p.dims[1]) % p.dims[0];
  if (MODE == 0 || MODE == 1) {
    const float inv = MODE == 0 ? float(b4[c]) : 1.0 / sqrt(float(b4[c]) + p.alpha);
    const float sc = float(b1[c]) * inv, sh = float(b2[c]) - float(b3[c]) * sc;
    b5[i] = SF(float(b0[i]) * sc + sh);
  } else if (MODE == 2) {
    const float inv = float(b3[c]), m = float(p.dims[2]);
    const float xhat = (float(b0[i]) - float(b2[c])) * inv;
    b7[i] = SF(float(b1[c]) * inv * (float(b4[i]) - float(b6[c]) / m - xhat * (float(b5[c]) / m)));
  } else {
    b3[i] = SF(float(b0[i]) * (float(b1[c]) / sqrt(float(b2[c]) + p.alpha)));
  }
}
