// Batch norm's elementwise passes over x [N, C, H, W] on a grid of (plane chunks of 64
// invocations, C, N): workgroup (x, c, n) covers part of plane (n, c), so the channel comes
// from the workgroup id, not from a division per element (lavapipe divides lane by lane).
// p.dims = {C, HW}, p.alpha = eps.
// MODE 0 (batch_norm_train y): 0 x, 1 coef -> 2 y = x * sc + sh, (sc, sh) = coef[c].xy.
// MODE 1 (batch_norm_infer y): 0 x, 1 gamma, 2 beta, 3 running_mean, 4 running_var -> 5 y,
//   y = x * sc + sh with sc = gamma * invstd, sh = beta - mean * sc, as the CPU kernel.
// MODE 2 (batch_norm_grad dx): 0 x, 1 coef, 2 dy -> 3 dx = A * (dy - B - (x - mean) * D) with
//   (A, B, mean, D) = coef[c] = (gamma * invstd, dbeta / M, mean, invstd * dgamma / M).
// MODE 3 (batch_norm_infer_grad dx): 0 dy, 1 gamma, 2 running_var -> 3 dx = dy * gamma * invstd.
// coef is the per-channel vec4 norm_finish.comp writes: one load instead of five.
// VEC = 1 (the host checked HW % 4 == 0): invocation t of a plane takes its elements 4t ..
// 4t+3 through the vec4 views (a quarter of lavapipe's per-lane address loops); VEC = 0:
// element t.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer B0 { sfloat b0[]; };
layout(std430, binding = 0) readonly buffer B04 { sfloat4 b04[]; };
layout(std430, binding = 1) readonly buffer B1 { sfloat b1[]; };
layout(std430, binding = 1) readonly buffer Coef { vec4 coef[]; };
layout(std430, binding = 2) buffer B2 { sfloat b2[]; };
layout(std430, binding = 2) buffer B24 { sfloat4 b24[]; };
layout(std430, binding = 3) buffer B3 { sfloat b3[]; };
layout(std430, binding = 3) buffer B34 { sfloat4 b34[]; };
layout(std430, binding = 4) readonly buffer B4 { sfloat b4[]; };
layout(std430, binding = 5) writeonly buffer B5 { sfloat b5[]; };
layout(std430, binding = 5) writeonly buffer B54 { sfloat4 b54[]; };

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int VEC = 0;

// The pass for T = float (element i) or vec4 (elements 4i ..); X, DY, Y, DX, INF_Y index the
// views of that width.
#define SEGRT_BN_PASS(T, X, DY, Y, DX, INF_Y, SFT)                         \
  {                                                                        \
    if (MODE == 0) {                                                       \
      const vec4 k = coef[c];                                              \
      Y = SFT(T(X) * k.x + k.y);                                           \
    } else if (MODE == 1) {                                                \
      const float sc = float(b1[c]) * (1.0 / sqrt(float(b4[c]) + p.alpha)); \
      INF_Y = SFT(T(X) * sc + (float(b2[c]) - float(b3[c]) * sc));         \
    } else if (MODE == 2) {                                                \
      const vec4 k = coef[c];                                              \
      DX = SFT(k.x * (T(DY) - k.y - (T(X) - k.z) * k.w));                  \
    } else {                                                               \
      DX = SFT(T(X) * (float(b1[c]) / sqrt(float(b2[c]) + p.alpha)));      \
    }                                                                      \
  }

void main() {
  const int c = int(gl_WorkGroupID.y), n = int(gl_WorkGroupID.z);
  const int units = VEC != 0 ? p.dims[1] / 4 : p.dims[1];  // per plane
  const int t = int(gl_GlobalInvocationID.x);
  if (t >= units) return;
  const int i = (n * p.dims[0] + c) * units + t;
  if (VEC != 0)
    SEGRT_BN_PASS(vec4, b04[i], b24[i], b24[i], b34[i], b54[i], SF4)
  else
    SEGRT_BN_PASS(float, b0[i], b2[i], b2[i], b3[i], b5[i], SF)
}
