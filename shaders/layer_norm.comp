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

layout(std430, binding = 0) readonly buffer B0 { float x[]; };
layout(std430, binding = 1) readonly buffer B1 { float gamma[]; };
layout(std430, binding = 2) readonly buffer B2 { float b2[]; };
layout(std430, binding = 3) buffer B3 { float b3[]; };
layout(std430, binding = 4) buffer B4 { float b4[]; };
layout(std430, binding = 5) writeonly buffer B5 { float b5[]; };

layout(constant_id = 0) const int MODE = 0;

void main() {
  const int j = gid();
  if (j >= p.n) return;
  const int C = p.dims[0], HW = p.dims[1];
  const int base = (j / HW) * C * HW + j % HW;
  if (MODE == 0) {
    float mu = 0.0;
    for (int c = 0; c < C; ++c) mu += x[base + c * HW];
    mu /= float(C);
    float ss = 0.0;
    for (int c = 0; c < C; ++c) {
      const float d = x[base + c * HW] - mu;
      ss += d * d;
    }
    const float inv = 1.0 / sqrt(ss / float(C) + p.alpha);
    b4[j] = mu;
    b5[j] = inv;
    for (int c = 0; c < C; ++c) b3[base + c * HW] = (x[base + c * HW] - mu) * inv * gamma[c] + b2[c];
    return;
  }
  const float mu = b2[j], inv = b3[j];
  float sg = 0.0, sgx = 0.0;
  for (int c = 0; c < C; ++c) {
    const float g = b4[base + c * HW] * gamma[c];
    sg += g;
    sgx += g * (x[base + c * HW] - mu) * inv;
  }
  sg /= float(C);
  sgx /= float(C);
  for (int c = 0; c < C; ++c) {
    const int k = base + c * HW;
    b5[k] = inv * (b4[k] * gamma[c] - sg - (x[k] - mu) * inv * sgx);
  }
}
