// Up-sampling of [N, C, H, W] by an integer scale and its gradient, with the taps of
// runtime/cpu/upsample.cpp. p.dims = {H, W, Ho, Wo, scale}.
// Forward: one invocation per output element; p.n = N * C * Ho * Wo.
// Gradient: a gather, one invocation per input pixel summing, in the CPU kernel's order, the
// terms of every dy element whose taps reach it (a window of output rows and columns around
// it, wide enough for either bilinear mapping); p.n = N * C * H * W.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int BILINEAR = 0;
layout(constant_id = 1) const int ALIGN = 0;
layout(constant_id = 2) const int GRAD = 0;

// Source taps i0, i1 of output position `o` along an axis of extent `n` -> `m`; returns the
// weight of i1 (i0 gets 1 - it).
float tap(int o, int n, int m, out int i0, out int i1) {
  if (BILINEAR == 0) {
    i0 = i1 = o / p.dims[4];
    return 0.0;
  }
  float src;
  if (ALIGN != 0)
    src = m > 1 ? float(o * (n - 1)) / float(m - 1) : 0.0;
  else  // half-pixel centres, clamped at the first pixel
    src = max(0.0, (float(o) + 0.5) / float(p.dims[4]) - 0.5);
  i0 = min(int(src), n - 1);
  i1 = min(i0 + 1, n - 1);
  return src - float(i0);
}

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int H = p.dims[0], W = p.dims[1], Ho = p.dims[2], Wo = p.dims[3], s = p.dims[4];
  int y0, y1, x0, x1;
  if (GRAD == 0) {
    const int ox = i % Wo, oy = (i / Wo) % Ho, plane = i / (Wo * Ho);
    const int base = plane * H * W;
    const float ly = tap(oy, H, Ho, y0, y1), lx = tap(ox, W, Wo, x0, x1);
    if (BILINEAR == 0) {
      o[i] = SF(float(a[base + y0 * W + x0]));
      return;
    }
    const int r0 = base + y0 * W, r1 = base + y1 * W;
    const float top = float(a[r0 + x0]) + lx * (float(a[r0 + x1]) - float(a[r0 + x0]));
    const float bot = float(a[r1 + x0]) + lx * (float(a[r1 + x1]) - float(a[r1 + x0]));
    o[i] = SF(top + ly * (bot - top));
    return;
  }
  const int ix = i % W, iy = (i / W) % H, plane = i / (W * H);
  const int base = plane * Ho * Wo;
  float acc = 0.0;
  for (int oy = max(0, (iy - 2) * s); oy < min(Ho, (iy + 3) * s); ++oy) {
    const float ly = tap(oy, H, Ho, y0, y1);
    if (y0 != iy && y1 != iy) continue;
    for (int ox = max(0, (ix - 2) * s); ox < min(Wo, (ix + 3) * s); ++ox) {
      const float lx = tap(ox, W, Wo, x0, x1);
      if (x0 != ix && x1 != ix) continue;
      const float g = float(a[base + oy * Wo + ox]);
      if (BILINEAR == 0) {
        acc += g;
        continue;
      }
      const float gt = g * (1.0 - ly), gb = g * ly;
      if (y0 == iy) {
        if (x0 == ix) acc += gt * (1.0 - lx);
        if (x1 == ix) acc += gt * lx;
      }
      if (y1 == iy) {
        if (x0 == ix) acc += gb * (1.0 - lx);
        if (x1 == ix) acc += gb * lx;
      }
    }
  }
  o[i] = SF(acc);
}
