// Layer norm over the channels of x [N, C, H, W]: one invocation per pixel (n, i) walking its
// C channels (stride HW), two passes for the statistics as the CPU kernel.
// p.n = N*HW, p.dims = {C, HW}, p.alpha = eps.
// MODE 0: 0 x, 1 gamma, 2 beta -> 3 y, 4 mean, 5 invstd (mean and invstd [N, 1, H, W]).
// MODE 1: 0 x, 1 gamma, 2 mean, 3 invstd, 4 dy -> 5 dx; with g = dy * gamma,
//   dx = invstd * (g - mean_c(g) - xhat * mean_c(g * xhat)). dgamma and dbeta are
//   norm_stats.comp's per-pixel mode.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer B0 { sfloat x[]; };
layout(std430, binding = 1) readonly buffer B1 { sfloat gamma[]; };
layout(std430, binding = 2) readonly buffer B2 { sfloat b2[]; };
layout(std430, binding = 3) buffer B3 { sfloat b3[]; };
layout(std430, binding = 4) buffer B4 { sfloat b4[]; };
layout(std430, binding = 5) writeonly buffer B5 { sfloat b5[]; };

layout(constant_id = 0) const int MODE = 0;

void main() {
  const int j = gid();
  if (j >= p.n) return;
  const int C = p.dims[0], HW = p.dims[1];
  const int base = (j / HW) * C * HW + j % HW;
  if (MODE == 0) {
    float mu = 0.0;
    for (int c = 0; c < C; ++c) mu += float(x[base + c * HW]);
    mu /= float(C);
    float ss = 0.0;
    for (int c = 0; c < C; ++c) {
      const float d = float(x[base + c * HW]) - mu;
      ss += d * d;
    }
    const float inv = 1.0 / sqrt(ss / float(C) + p.alpha);
    b4[j] = SF(mu);
    b5[j] = SF(inv);
    for (int c = 0; c < C; ++c) {
      const int k = base + c * HW;
      b3[k] = SF((float(x[k]) - mu) * inv * float(gamma[c]) + float(b2[c]));
    }
    return;
  }
  const float mu = float(b2[j]), inv = float(b3[j]);
  float sg = 0.0, sgx = 0.0;
  for (int c = 0; c < C; ++c) {
    const float g = float(b4[base + c * HW]) * float(gamma[c]);
    sg += g;
    sgx += g * (float(x[base + c * HW]) - mu) * inv;
  }
  sg /= float(C);
  sgx /= float(C);
  for (int c = 0; c < C; ++c) {
    const int k = base + c * HW;
    b5[k] = SF(inv * (float(b4[k]) * float(gamma[c]) - sg - (float(x[k]) - mu) * inv * sgx));
  }
}
