// conv2d_grad_weight as a GEMM per group with a long, split reduction:
//   dw[co, k] = sum over r = (image, output pixel) of dy[r, co] * x gathered at (r, k),
// k = (input channel in the group, tap). The reduction (N*HO*WO terms) is cut into S slices
// of L terms; workgroup z = g * S + s writes slice s's partial sums to out[s][CO][K] (the
// scratch region, or dw itself when S = 1) and conv_sum_partials.comp adds the S partials in
// a fixed order: deterministic, no atomics.
//
// Tiling: a workgroup computes a TM x TN tile of one group's dw (output channels x (ci, tap)),
// staging TK-deep slices of dy (TK x TM) and of the gathered x (TK x TN) in shared memory; each
// of the (TM/4)*(TN/4) invocations accumulates a 4x4 register block. The tile's columns are
// fixed, so each invocation decodes its taps once; it decodes one pixel per slice.
// POINTWISE 1 (1x1, stride 1, no padding): the gather is a plain strided load.
//
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 11 POINTWISE; 12-14 TM, TN, TK;
// 15 the local size (TM/4)*(TN/4) (TM, TN multiples of 16, TK dividing it, TK*TN and TM*TK
// multiples of it).
// Push constants: n = N*HO*WO; dims = {N, CI, H, W, CO, HO}; sa = {WO, PH, PW, G, M = CO/G,
// K = (CI/G)*KH*KW}; sb = {L, S}.
// Bindings: 0 x, 1 dy, 2 out. Workgroups: x = ceil(K/TN), y = ceil(M/TM), z = G*S.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

#include "conv_geometry.glsl"
layout(constant_id = 11) const int POINTWISE = 0;
layout(constant_id = 12) const int TM = 64;
layout(constant_id = 13) const int TN = 64;
layout(constant_id = 14) const int TK = 16;
layout(local_size_x_id = 15) in;

layout(std430, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, binding = 1) readonly buffer DY { sfloat dy[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer Out32 { float o32[]; };  // slices (scratch)

const int TAPS = KH * KW;
const int WG = (TM / 4) * (TN / 4);
const int QA = TM * TK / WG;  // dy elements each invocation stages per slice
const int QB = TK * TN / WG;  // x elements each invocation gathers per slice

shared vec4 As[TK * (TM / 4)];  // [r][m / 4]
shared vec4 Bs[TK * (TN / 4)];  // [r][k / 4]

void main() {
  const int R = p.n;
  const int CI = p.dims[1], H = p.dims[2], W = p.dims[3], CO = p.dims[4], HO = p.dims[5];
  const int WO = p.sa[0], PH = p.sa[1], PW = p.sa[2], G = p.sa[3], M = p.sa[4], K = p.sa[5];
  const int L = p.sb[0];
  const int g = int(gl_WorkGroupID.z) % G, s = int(gl_WorkGroupID.z) / G;
  const int n0 = int(gl_WorkGroupID.x) * TN, m0 = int(gl_WorkGroupID.y) * TM;
  const int lid = int(gl_LocalInvocationIndex);
  const int HW = H * W, HWO = HO * WO, CIG = CI / G;

  // This invocation stages reduction term r0 + lr of every slice, for dw columns
  // n0 + lk + q * (WG / TK): decode their channel offsets and tap displacements once.
  const int lr = lid % TK, lk = lid / TK;
  int coff[QB], di[QB], dj[QB];
  for (int q = 0; q < QB; ++q) {
    const int k = n0 + lk + q * (WG / TK);
    const int c = k / TAPS, t = k - c * TAPS, i = t / KW;
    coff[q] = k < K ? c * HW : -1;
    di[q] = i * DH;
    dj[q] = (t - i * KW) * DW;
  }

  const int tx = lid % (TN / 4), ty = lid / (TN / 4);
  vec4 acc[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0));

  const int rbeg = s * L, rend = min(R, rbeg + L);
  for (int r0 = rbeg; r0 < rend; r0 += TK) {
    const int r = r0 + lr;
    const bool rin = r < rend;
    const int img = r / HWO, pix = r - img * HWO;
    const int oy = pix / WO, ox = pix - oy * WO;
    const int dybase = (img * CO + g * M + m0) * HWO + pix;
    for (int q = 0; q < QA; ++q) {
      const int m = lk + q * (WG / TK);
      As[lr * (TM / 4) + m / 4][m % 4] = rin && m0 + m < M ? float(dy[dybase + m * HWO]) : 0.0;
    }
    const int xbase = (img * CI + g * CIG) * HW;
    const int y0 = oy * SH - PH, x0 = ox * SW - PW;
    for (int q = 0; q < QB; ++q) {
      const int kk = lk + q * (WG / TK);
      float v = 0.0;
      if (rin && coff[q] >= 0) {
        if (POINTWISE != 0) {
          v = float(x[xbase + coff[q] + pix]);
        } else {
          const int iy = y0 + di[q], ix = x0 + dj[q];
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) v = float(x[xbase + coff[q] + iy * W + ix]);
        }
      }
      Bs[lr * (TN / 4) + kk / 4][kk % 4] = v;
    }
    barrier();
    for (int rr = 0; rr < TK; ++rr) {
      const vec4 a = As[rr * (TM / 4) + ty];
      const vec4 b = Bs[rr * (TN / 4) + tx];
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    barrier();
  }

  for (int i = 0; i < 4; ++i) {
    const int m = m0 + ty * 4 + i;
    if (m >= M) break;
    const int row = (s * CO + g * M + m) * K;
    for (int j = 0; j < 4; ++j) {
      const int k = n0 + tx * 4 + j;
      if (k < K && scratch_binding(2)) o32[row + k] = acc[i][j];
      else if (k < K) o[row + k] = SF(acc[i][j]);
    }
  }
}
