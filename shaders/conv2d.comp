// conv2d forward, conv2d_grad_input and conv_transpose2d as one implicit GEMM per group: no
// im2col buffer, the source operand is gathered from the tensor on the fly into shared memory.
//
// Forward (TRANSPOSED 0): dst y [N, CD, HD, WD] = w [CD, CS/G, KH, KW] (*) src x [N, CS, HS, WS].
//   GEMM per group: M = CD/G rows (output channels), NP = N*HD*WD columns (output pixels),
//   K = (CS/G)*KH*KW (input channel, tap).
// Transposed (TRANSPOSED 1): dst dx [N, CD, HD, WD] = the adjoint of the conv2d with input
//   shape dst, weight w [CS, CD/G, KH, KW] and output src dy [N, CS, HS, WS]; this is
//   conv2d_grad_input, and conv_transpose2d (its input is src, its weight w, its output dst).
//   M = CD/G (dx channels), NP = N*HD*WD (dx pixels), K = (CS/G)*KH*KW (dy channel, tap): dx
//   pixel (y, x) takes tap (i, j) from dy pixel ((y + PH - i*DH) / SH, (x + PW - j*DW) / SW)
//   when both divisions are exact and inside dy; other taps gather 0.
// POINTWISE 1 (1x1, stride 1, no padding): source pixel = destination pixel, the gather is a
//   plain strided load with no tap arithmetic or bounds tests.
//
// Tiling: a workgroup computes a TM x TN tile of one group's output (channels x pixels); the K
// loop stages TK-deep slices of the weight (TM x TK) and of the gathered source (TK x TN) in
// shared memory, and each of the (TM/4)*(TN/4) invocations accumulates a 4x4 register block.
// Workgroups: x = pixel tiles (folded into z beyond the x limit), y = channel tiles,
// z = G * folds.
//
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 6-9 the epilogue (conv_epilogue.glsl);
// 10 TRANSPOSED; 11 POINTWISE; 12-14 TM, TN, TK; 15 the local size, (TM/4)*(TN/4). TM and TN
// multiples of 16, TK dividing the local size and TK*TN a multiple of it.
// Push constants: n = NP; dims = {N, CS, HS, WS, CD, HD}; sa = {WD, PH, PW, G, M, K};
// alpha = leaky_relu slope.
// Bindings: 0 src, 1 w, 2 dst, 3-6 epilogue (bias, scale, shift, residual).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

#include "conv_geometry.glsl"
layout(constant_id = 10) const int TRANSPOSED = 0;
layout(constant_id = 11) const int POINTWISE = 0;
layout(constant_id = 12) const int TM = 64;
layout(constant_id = 13) const int TN = 64;
layout(constant_id = 14) const int TK = 16;
layout(local_size_x_id = 15) in;

layout(std430, binding = 0) readonly buffer Src { sfloat src[]; };
layout(std430, binding = 1) readonly buffer Wt { sfloat wt[]; };
layout(std430, binding = 2) writeonly buffer Dst { sfloat dst[]; };
#include "conv_epilogue.glsl"

const int TAPS = KH * KW;
const int WG = (TM / 4) * (TN / 4);
const int QA = TM * TK / WG;  // weight elements each invocation stages per slice
const int QB = TK * TN / WG;  // source elements each invocation gathers per slice

shared vec4 As[TK * (TM / 4)];  // [k][m / 4]
shared vec4 Bs[TK * (TN / 4)];  // [k][n / 4]

void main() {
  const int NP = p.n;
  const int CS = p.dims[1], HS = p.dims[2], WS = p.dims[3];
  const int CD = p.dims[4], HD = p.dims[5], WD = p.sa[0];
  const int PH = p.sa[1], PW = p.sa[2], G = p.sa[3], M = p.sa[4], K = p.sa[5];
  const int g = int(gl_WorkGroupID.z) % G;
  const int tile = int(gl_WorkGroupID.x + gl_NumWorkGroups.x * (gl_WorkGroupID.z / G));
  const int n0 = tile * TN, m0 = int(gl_WorkGroupID.y) * TM;
  if (n0 >= NP) return;  // the whole workgroup: past the last tile of a fold
  const int lid = int(gl_LocalInvocationIndex);
  const int HWS = HS * WS, HWD = HD * WD, CSG = CS / G;

  // Each invocation gathers one fixed column (destination pixel) of the source tile: decode
  // it once. Forward: (y0, x0) is its top-left tap in src; transposed: the padded position.
  const int bcol = lid % TN;
  const int bn = n0 + bcol;
  const bool bin = bn < NP;
  const int bimg = bn / HWD, bpix = bn - bimg * HWD;
  const int by = bpix / WD, bx = bpix - by * WD;
  const int sbase = (bimg * CS + g * CSG) * HWS;
  const int y0 = TRANSPOSED == 0 ? by * SH - PH : by + PH;
  const int x0 = TRANSPOSED == 0 ? bx * SW - PW : bx + PW;
  const int brow = lid / TN;
  // And one fixed column (k) of the weight tile.
  const int acol = lid % TK, arow = lid / TK;

  const int tx = lid % (TN / 4), ty = lid / (TN / 4);
  // Rows ty*4 + 0..3 of the register block, columns tx*4 + 0..3 in the components.
  vec4 acc0 = vec4(0.0), acc1 = vec4(0.0), acc2 = vec4(0.0), acc3 = vec4(0.0);

  for (int k0 = 0; k0 < K; k0 += TK) {
    const int ka = k0 + acol;
    for (int q = 0; q < QA; ++q) {
      const int m = arow + q * (WG / TK), gm = m0 + m;
      float v = 0.0;
      if (gm < M && ka < K) {
        if (TRANSPOSED == 0) {
          v = float(wt[(g * M + gm) * K + ka]);
        } else {
          const int c = ka / TAPS, t = ka - c * TAPS;
          v = float(wt[((g * CSG + c) * M + gm) * TAPS + t]);
        }
      }
      As[acol * (TM / 4) + m / 4][m % 4] = v;
    }
    for (int q = 0; q < QB; ++q) {
      const int kk = brow + q * (WG / TN), k = k0 + kk;
      float v = 0.0;
      if (bin && k < K) {
        if (POINTWISE != 0) {
          v = float(src[sbase + k * HWS + bpix]);
        } else {
          const int c = k / TAPS, t = k - c * TAPS, i = t / KW, j = t - i * KW;
          if (TRANSPOSED == 0) {
            const int iy = y0 + i * DH, ix = x0 + j * DW;
            if (iy >= 0 && iy < HS && ix >= 0 && ix < WS)
              v = float(src[sbase + c * HWS + iy * WS + ix]);
          } else {
            const int ry = y0 - i * DH, rx = x0 - j * DW;
            if (ry >= 0 && rx >= 0 && ry % SH == 0 && rx % SW == 0) {
              const int oy = ry / SH, ox = rx / SW;
              if (oy < HS && ox < WS) v = float(src[sbase + c * HWS + oy * WS + ox]);
            }
          }
        }
      }
      Bs[kk * (TN / 4) + bcol / 4][bcol % 4] = v;
    }
    barrier();
    for (int kk = 0; kk < TK; ++kk) {
      const vec4 a = As[kk * (TM / 4) + ty];
      const vec4 b = Bs[kk * (TN / 4) + tx];
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    barrier();
  }

  // Constant trip counts and indices keep the block in registers.
  const int m = m0 + ty * 4;
  for (int j = 0; j < 4; ++j) {
    const int n = n0 + tx * 4 + j;
    const int img = n / HWD, pix = n - img * HWD;
    const int o = (img * CD + g * M + m) * HWD + pix;
    if (n < NP) {
      if (m < M) dst[o] = SF(epilogue(acc0[j], g * M + m, o));
      if (m + 1 < M) dst[o + HWD] = SF(epilogue(acc1[j], g * M + m + 1, o + HWD));
      if (m + 2 < M) dst[o + 2 * HWD] = SF(epilogue(acc2[j], g * M + m + 2, o + 2 * HWD));
      if (m + 3 < M) dst[o + 3 * HWD] = SF(epilogue(acc3[j], g * M + m + 3, o + 3 * HWD));
    }
  }
}
