// C = A * B, row-major fp32: A is M x K, B is K x N, C is M x N (the SGEMM benchmark's shader,
// bench/vulkan/sgemm.cpp). N and K must be multiples of 4 (A, B and C are read and written as
// vec4); M is free. A workgroup of WX x WY invocations computes a BM x BN tile of C,
// BM = WY * TM and BN = WX * TN: each invocation accumulates TM rows (ty + i * WY) by TN / 4
// vec4 column groups (tx + j * WX) in registers, so neighbouring invocations touch
// neighbouring words. Out-of-range rows and columns are clamped on load and skipped on store.
//
// SHARED = 1 (GPUs): each step stages a BM x BK slice of A (transposed) and a BK x BN slice of
// B in shared memory, zero-filled past K, and the workgroup reads its operands from there.
// SHARED = 0 (CPU devices such as lavapipe, where caches already stage and barriers are
// costly): invocations read A (4 k at a time) and B straight from the buffers.
//
// Specialisation constants: 0 WX, 1 WY (local size), 2 TM, 3 TN (a multiple of 4), 4 BK (a
// multiple of 4), 5 SHARED.
// Push constants: dims[0] = M, dims[1] = N, dims[2] = K.
// Bindings: 0 A, 1 B, 2 C (written).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
#include "common.glsl"

layout(constant_id = 2) const int TM = 4;
layout(constant_id = 3) const int TN = 8;
layout(constant_id = 4) const int BK = 16;
layout(constant_id = 5) const int SHARED = 1;

layout(std430, binding = 0) readonly buffer MA { sfloat4 A4[]; };
layout(std430, binding = 1) readonly buffer MB { sfloat4 B4[]; };
layout(std430, binding = 2) writeonly buffer MC { sfloat4 C4[]; };

const int WX = int(gl_WorkGroupSize.x);
const int WY = int(gl_WorkGroupSize.y);
const int TN4 = TN / 4;
const int BM = WY * TM;
const int BN4 = WX * TN4;

// One element when SHARED = 0 (no shared memory asked of the device).
shared float As[SHARED * (BK * BM - 1) + 1];  // As[k * BM + m]
shared vec4 Bs[SHARED * (BK * BN4 - 1) + 1];  // Bs[k * BN4 + n4]

void main() {
  const int M = p.dims[0], N4 = p.dims[1] / 4, K4 = p.dims[2] / 4;
  const int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
  const int m0 = int(gl_WorkGroupID.y) * BM, n40 = int(gl_WorkGroupID.x) * BN4;

  // Unrolled loops (sizes known once specialised) keep these arrays in registers.
  vec4 acc[TM * TN4];
  [[unroll]] for (int i = 0; i < TM * TN4; ++i) acc[i] = vec4(0.0);
  float ra[TM];
  vec4 rb[TN4];

  if (SHARED != 0) {
    const int tid = ty * WX + tx, threads = WX * WY;
    for (int k40 = 0; k40 < K4; k40 += BK / 4) {
      // A: each invocation loads vec4s (4 k of one row) and scatters them transposed.
      for (int e = tid; e < BM * (BK / 4); e += threads) {
        const int m = e / (BK / 4), k4 = e % (BK / 4);
        const int gk4 = k40 + k4;
        const vec4 v = gk4 < K4 ? vec4(A4[min(m0 + m, M - 1) * K4 + gk4]) : vec4(0.0);
        [[unroll]] for (int c = 0; c < 4; ++c) As[(k4 * 4 + c) * BM + m] = v[c];
      }
      for (int e = tid; e < BK * BN4; e += threads) {
        const int k = e / BN4, n4 = e % BN4;
        const int gk = k40 * 4 + k;
        Bs[e] = gk < K4 * 4 ? vec4(B4[gk * N4 + min(n40 + n4, N4 - 1)]) : vec4(0.0);
      }
      barrier();
      [[unroll]] for (int k = 0; k < BK; ++k) {
        [[unroll]] for (int i = 0; i < TM; ++i) ra[i] = As[k * BM + ty + i * WY];
        [[unroll]] for (int j = 0; j < TN4; ++j) rb[j] = Bs[k * BN4 + tx + j * WX];
        [[unroll]] for (int i = 0; i < TM; ++i)
          [[unroll]] for (int j = 0; j < TN4; ++j)
            acc[i * TN4 + j] = fma(vec4(ra[i]), rb[j], acc[i * TN4 + j]);
      }
      barrier();
    }
  } else {
    int arow[TM], bcol[TN4];
    [[unroll]] for (int i = 0; i < TM; ++i) arow[i] = min(m0 + ty + i * WY, M - 1) * K4;
    [[unroll]] for (int j = 0; j < TN4; ++j) bcol[j] = min(n40 + tx + j * WX, N4 - 1);
    vec4 a4[TM];
    for (int k4 = 0; k4 < K4; ++k4) {
      [[unroll]] for (int i = 0; i < TM; ++i) a4[i] = vec4(A4[arow[i] + k4]);
      [[unroll]] for (int c = 0; c < 4; ++c) {
        [[unroll]] for (int j = 0; j < TN4; ++j) rb[j] = vec4(B4[(k4 * 4 + c) * N4 + bcol[j]]);
        [[unroll]] for (int i = 0; i < TM; ++i)
          [[unroll]] for (int j = 0; j < TN4; ++j)
            acc[i * TN4 + j] = fma(vec4(a4[i][c]), rb[j], acc[i * TN4 + j]);
      }
    }
  }

  [[unroll]] for (int i = 0; i < TM; ++i) {
    const int gm = m0 + ty + i * WY;
    if (gm >= M) continue;
    [[unroll]] for (int j = 0; j < TN4; ++j) {
      const int gn4 = n40 + tx + j * WX;
      if (gn4 < N4) C4[gm * N4 + gn4] = sfloat4(acc[i * TN4 + j]);
    }
  }
}
