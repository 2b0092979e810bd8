// involution, involution_grad_input and involution_grad_kernel (runtime/cpu/involution.cpp),
// one invocation per output element; the gradients are gathers, so nothing is accumulated
// across invocations. x and dy are [N, C, H, W] / [N, C, Ho, Wo]; the kernel is
// [N, G*K*K, Ho, Wo]; pad = dilation * (K - 1) / 2 per axis (graph/ops/window.h's InvGeom).
// p.dims = {C, H, W, Ho, Wo}; p.n = elements of the output.
//   MODE 0 forward:     a = x,      b = kernel, o = y       (sums K*K taps)
//   MODE 1 grad input:  a = kernel, b = dy,     o = dx      (sums the <= K*K taps reaching it)
//   MODE 2 grad kernel: a = x,      b = dy,     o = dkernel (sums the C/G channels of a group)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int K = 1;
layout(constant_id = 2) const int G = 1;
layout(constant_id = 3) const int SY = 1;  // stride
layout(constant_id = 4) const int SX = 1;
layout(constant_id = 5) const int DY = 1;  // dilation
layout(constant_id = 6) const int DX = 1;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int C = p.dims[0], H = p.dims[1], W = p.dims[2], Ho = p.dims[3], Wo = p.dims[4];
  const int PY = DY * (K - 1) / 2, PX = DX * (K - 1) / 2;
  const int ohw = Ho * Wo, taps = K * K, cg = C / G;
  float acc = 0.0;
  if (MODE == 0) {
    const int ox = i % Wo, oy = (i / Wo) % Ho, ch = (i / ohw) % C, n = i / (ohw * C);
    const int kbase = (n * G + ch / cg) * taps * ohw + oy * Wo + ox, xbase = (n * C + ch) * H * W;
    for (int ky = 0; ky < K; ++ky) {
      const int iy = oy * SY + DY * ky - PY;
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < K; ++kx) {
        const int ix = ox * SX + DX * kx - PX;
        if (ix < 0 || ix >= W) continue;
        acc += float(b[kbase + (ky * K + kx) * ohw]) * float(a[xbase + iy * W + ix]);
      }
    }
  } else if (MODE == 1) {
    const int ix = i % W, iy = (i / W) % H, ch = (i / (H * W)) % C, n = i / (H * W * C);
    const int kbase = (n * G + ch / cg) * taps * ohw, gbase = (n * C + ch) * ohw;
    for (int ky = 0; ky < K; ++ky) {
      // Output row oy reads input row iy through tap ky when oy * SY = iy + PY - DY * ky.
      const int ty = iy + PY - DY * ky;
      if (ty < 0 || ty % SY != 0 || ty / SY >= Ho) continue;
      const int oy = ty / SY;
      for (int kx = 0; kx < K; ++kx) {
        const int tx = ix + PX - DX * kx;
        if (tx < 0 || tx % SX != 0 || tx / SX >= Wo) continue;
        const int o_ = oy * Wo + tx / SX;
        acc += float(a[kbase + (ky * K + kx) * ohw + o_]) * float(b[gbase + o_]);
      }
    }
  } else {
    const int ox = i % Wo, oy = (i / Wo) % Ho, k = (i / ohw) % taps;
    const int gi = (i / (ohw * taps)) % G, n = i / (ohw * taps * G);
    const int iy = oy * SY + DY * (k / K) - PY, ix = ox * SX + DX * (k % K) - PX;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
      const int ch0 = n * C + gi * cg;
      for (int c = 0; c < cg; ++c)
        acc += float(b[(ch0 + c) * ohw + oy * Wo + ox]) * float(a[(ch0 + c) * H * W + iy * W + ix]);
    }
  }
  o[i] = SF(acc);
}
