// Depthwise convolutions (groups = input channels = output channels): each output channel
// reads one input channel, so a GEMM tile would be a 1-row product; direct loops over the
// KH x KW taps (unrolled: they are specialisation constants) instead.
//
// MODE 0, conv2d forward: dst y [N, C, HD, WD] from src x [N, C, HS, WS] and w [C, 1, KH, KW],
//   one invocation per output element, then the epilogue (conv_epilogue.glsl).
// MODE 1, conv2d_grad_input / conv_transpose2d: dst dx [N, C, HD, WD] from src dy
//   [N, C, HS, WS]: dx pixel (y, x) takes tap (i, j) from dy pixel
//   ((y + PH - i*DH) / SH, (x + PW - j*DW) / SW) when both divisions are exact and inside dy.
//   One invocation per dx element, then the epilogue (bias for conv_transpose2d).
// MODE 2, conv2d_grad_weight partials: src x [N, C, HS, WS], w binding = dy [N, C, HD, WD],
//   dst = out [S][C][KH*KW]. Workgroup (c, s) sums slice s (L terms) of the N*HD*WD
//   reduction: each invocation strides over the slice keeping KH*KW sums in registers, then a
//   shared-memory tree adds the 64 invocations' sums; conv_sum_partials.comp adds the slices.
//
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 6-9 the epilogue; 10 MODE.
// Push constants: n = output elements (MODE 2: N*HD*WD); dims = {N, C, HS, WS, -, HD};
// sa = {WD, PH, PW}; sb = {L, S} (MODE 2); alpha = leaky_relu slope.
// Bindings: 0 src, 1 w (MODE 2: dy), 2 dst, 3-6 epilogue.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

#include "conv_geometry.glsl"
layout(constant_id = 10) const int MODE = 0;

layout(std430, binding = 0) readonly buffer Src { sfloat src[]; };
layout(std430, binding = 1) readonly buffer Wt { sfloat wt[]; };
layout(std430, binding = 2) writeonly buffer Dst { sfloat dst[]; };
layout(std430, binding = 2) writeonly buffer Dst32 { float dst32[]; };  // MODE 2 slices (scratch)
#include "conv_epilogue.glsl"

const int TAPS = KH * KW;
shared float red[TAPS * 64];  // MODE 2: [tap][invocation]

void weight_partials() {
  const int C = p.dims[1], H = p.dims[2], W = p.dims[3], HO = p.dims[5], WO = p.sa[0];
  const int PH = p.sa[1], PW = p.sa[2], L = p.sb[0];
  const int c = int(gl_WorkGroupID.x), s = int(gl_WorkGroupID.y);
  const int lid = int(gl_LocalInvocationIndex);
  const int HW = H * W, HWO = HO * WO;
  float acc[TAPS];
  for (int t = 0; t < TAPS; ++t) acc[t] = 0.0;
  const int rend = min(p.n, (s + 1) * L);
  for (int r = s * L + lid; r < rend; r += 64) {
    const int img = r / HWO, pix = r - img * HWO;
    const int oy = pix / WO, ox = pix - oy * WO;
    const float g = float(wt[(img * C + c) * HWO + pix]);
    const int base = (img * C + c) * HW, y0 = oy * SH - PH, x0 = ox * SW - PW;
    for (int i = 0; i < KH; ++i) {
      const int iy = y0 + i * DH;
      if (iy < 0 || iy >= H) continue;
      for (int j = 0; j < KW; ++j) {
        const int ix = x0 + j * DW;
        if (ix >= 0 && ix < W) acc[i * KW + j] += g * float(src[base + iy * W + ix]);
      }
    }
  }
  for (int t = 0; t < TAPS; ++t) red[t * 64 + lid] = acc[t];
  barrier();
  for (int h = 32; h > 0; h >>= 1) {
    if (lid < h)
      for (int t = 0; t < TAPS; ++t) red[t * 64 + lid] += red[t * 64 + lid + h];
    barrier();
  }
  for (int t = lid; t < TAPS; t += 64) {
    if (scratch_binding(2)) dst32[(s * p.dims[1] + c) * TAPS + t] = red[t * 64];
    else dst[(s * p.dims[1] + c) * TAPS + t] = SF(red[t * 64]);
  }
}

void main() {
  if (MODE == 2) {
    weight_partials();
    return;
  }
  const int i = gid();
  if (i >= p.n) return;
  const int C = p.dims[1], HS = p.dims[2], WS = p.dims[3], HD = p.dims[5], WD = p.sa[0];
  const int PH = p.sa[1], PW = p.sa[2];
  const int x = i % WD, y = (i / WD) % HD, plane = i / (WD * HD), c = plane % C;
  const int base = plane * HS * WS, wbase = c * TAPS;
  float acc = 0.0;
  if (MODE == 0) {
    const int y0 = y * SH - PH, x0 = x * SW - PW;
    for (int ki = 0; ki < KH; ++ki) {
      const int iy = y0 + ki * DH;
      if (iy < 0 || iy >= HS) continue;
      for (int kj = 0; kj < KW; ++kj) {
        const int ix = x0 + kj * DW;
        if (ix >= 0 && ix < WS)
          acc += float(wt[wbase + ki * KW + kj]) * float(src[base + iy * WS + ix]);
      }
    }
  } else {
    for (int ki = 0; ki < KH; ++ki) {
      const int ry = y + PH - ki * DH;
      if (ry < 0 || ry % SH != 0 || ry / SH >= HS) continue;
      for (int kj = 0; kj < KW; ++kj) {
        const int rx = x + PW - kj * DW;
        if (rx >= 0 && rx % SW == 0 && rx / SW < WS)
          acc += float(wt[wbase + ki * KW + kj]) * float(src[base + (ry / SH) * WS + rx / SW]);
      }
    }
  }
  dst[i] = SF(epilogue(acc, c, i));
}
