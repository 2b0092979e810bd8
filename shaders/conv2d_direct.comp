// conv2d forward without shared memory: each invocation computes RM output channels x RN
// consecutive output pixels of one row, reading weights and gathering the source straight
// from the buffers. On CPU Vulkan devices (lavapipe) workgroup barriers and shared memory cost
// more than they save: this path measured ~2x the tiled conv2d.comp there. GPUs use the tiles.
//
// Invocation i (p.n of them): xb = i % XB, oy = (i / XB) % HD, mb = (i / (XB*HD)) % MB,
// g = (i / (XB*HD*MB)) % G, image = i / (XB*HD*MB*G), with XB = ceil(WD / RN),
// MB = ceil(M / RM): neighbouring lanes share weights and read neighbouring pixels.
// TRANSPOSED 1: the adjoint pass of conv2d.comp (conv2d_grad_input, conv_transpose2d): src is
// dy [N, CS, HS, WS], w is [CS, CD/G, KH, KW], and dst pixel (y, x) takes tap (i, j) from src
// ((y + PH - i*DH) / SH, (x + PW - j*DW) / SW) when both divisions are exact and inside src.
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 6-9 the epilogue (conv_epilogue.glsl);
// 10 RM, 11 RN (a multiple of 4), 12 TRANSPOSED.
// Push constants: dims = {N, CS, HS, WS, CD, HD}; sa = {WD, PH, PW, G, M, XB}; sb[0] = MB;
// alpha = leaky_relu slope. Bindings: 0 x, 1 w, 2 y, 3-6 epilogue.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(constant_id = 0) const int KH = 1;
layout(constant_id = 1) const int KW = 1;
layout(constant_id = 2) const int SH = 1;
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
layout(constant_id = 10) const int RM = 8;
layout(constant_id = 11) const int RN = 8;
layout(constant_id = 12) const int TRANSPOSED = 0;

layout(std430, binding = 0) readonly buffer Src { sfloat src[]; };
layout(std430, binding = 1) readonly buffer Wt { sfloat wt[]; };
layout(std430, binding = 2) writeonly buffer Dst { sfloat dst[]; };
#include "conv_epilogue.glsl"

const int RN4 = RN / 4;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int CS = p.dims[1], HS = p.dims[2], WS = p.dims[3];
  const int CD = p.dims[4], HD = p.dims[5], WD = p.sa[0];
  const int PH = p.sa[1], PW = p.sa[2], G = p.sa[3], M = p.sa[4], XB = p.sa[5], MB = p.sb[0];
  int r = i;
  const int xb = r % XB;
  r /= XB;
  const int oy = r % HD;
  r /= HD;
  const int mb = r % MB;
  r /= MB;
  const int g = r % G;
  const int img = r / G;
  const int CSG = CS / G, HWS = HS * WS;
  const int ox0 = xb * RN, m0 = mb * RM;

  vec4 acc[RM * RN4];
  [[unroll]] for (int q = 0; q < RM * RN4; ++q) acc[q] = vec4(0.0);
  // Weight rows past M read row M - 1 (results discarded): no branch in the inner loop.
  // Weight of (m, c, tap): wrow[m] + c * cstride + tap.
  const int TAPS = KH * KW;
  const int cstride = TRANSPOSED == 0 ? TAPS : M * TAPS;
  int wrow[RM];
  [[unroll]] for (int m = 0; m < RM; ++m) {
    const int mm = min(m0 + m, M - 1);
    wrow[m] = TRANSPOSED == 0 ? (g * M + mm) * CSG * TAPS : g * CSG * M * TAPS + mm * TAPS;
  }

  const int sbase = (img * CS + g * CSG) * HWS;
  for (int c = 0; c < CSG; ++c) {
    const int cbase = sbase + c * HWS;
    [[unroll]] for (int ki = 0; ki < KH; ++ki) {
      int iy;
      if (TRANSPOSED == 0) {
        iy = oy * SH - PH + ki * DH;
      } else {
        const int ry = oy + PH - ki * DH;
        if (ry < 0 || ry % SH != 0) continue;
        iy = ry / SH;
      }
      if (iy < 0 || iy >= HS) continue;
      const int rowbase = cbase + iy * WS;
      [[unroll]] for (int kj = 0; kj < KW; ++kj) {
        vec4 b[RN4];
        [[unroll]] for (int s = 0; s < RN; ++s) {
          int ix;
          if (TRANSPOSED == 0) {
            ix = (ox0 + s) * SW - PW + kj * DW;
          } else {
            const int rx = ox0 + s + PW - kj * DW;
            ix = rx >= 0 && rx % SW == 0 ? rx / SW : -1;
          }
          b[s / 4][s % 4] = ix >= 0 && ix < WS ? float(src[rowbase + ix]) : 0.0;
        }
        const int t = c * cstride + ki * KW + kj;
        [[unroll]] for (int m = 0; m < RM; ++m) {
          const float w = float(wt[wrow[m] + t]);
          [[unroll]] for (int q = 0; q < RN4; ++q) acc[m * RN4 + q] = fma(vec4(w), b[q], acc[m * RN4 + q]);
        }
      }
    }
  }

  const int HWD = HD * WD;
  [[unroll]] for (int m = 0; m < RM; ++m) {
    const int co = g * M + m0 + m;
    if (m0 + m >= M) continue;
    const int base = (img * CD + co) * HWD + oy * WD;
    [[unroll]] for (int s = 0; s < RN; ++s) {
      const int ox = ox0 + s;
      if (ox < WD) dst[base + ox] = SF(epilogue(acc[m * RN4 + s / 4][s % 4], co, base + ox));
    }
  }
}
