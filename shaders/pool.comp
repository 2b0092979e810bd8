// Max and average pooling of [N, C, H, W] and their gradients, with the windows, tie rule and
// divisors of runtime/cpu/pool.cpp. The window is known at load (specialisation constants);
// p.dims = {H, W, Ho, Wo}.
// Forward (MODE 0 max, 1 avg): one invocation per output element, a = x; p.n = N*C*Ho*Wo.
// Gradient (MODE 2 max: a = x, b = dy; MODE 3 avg: a = dy): a gather, one invocation per input
// element summing, in the CPU kernel's row-major window order, the share of every window that
// covers it (max: only windows whose argmax it is); no atomics. p.n = N*C*H*W.
// Gradient without overlap (stride >= kernel on both axes; MODE 4 max: a = x, b = dy; MODE 5
// avg: a = dy): one invocation per window writes its whole window (dy at the argmax and 0
// elsewhere, or dy / divisor everywhere): each input element has at most one writer. Elements
// no window covers are zeroed by a fill dispatched before. p.n = N*C*Ho*Wo.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int KH = 2;
layout(constant_id = 2) const int KW = 2;
layout(constant_id = 3) const int SH = 2;
layout(constant_id = 4) const int SW = 2;
layout(constant_id = 5) const int PH = 0;
layout(constant_id = 6) const int PW = 0;
layout(constant_id = 7) const int INCLUDE_PAD = 1;

// Window of output (oy, ox) clipped to the H x W input: rows [y0, y1), columns [x0, x1).
void window(int oy, int ox, out int y0, out int y1, out int x0, out int x1) {
  const int ys = oy * SH - PH, xs = ox * SW - PW;
  y0 = max(ys, 0);
  y1 = min(ys + KH, p.dims[0]);
  x0 = max(xs, 0);
  x1 = min(xs + KW, p.dims[1]);
}

// Index within the plane at `base` of the window's maximum: the first of equal values wins,
// and a NaN wins over numbers (the first NaN stays), as the CPU kernel.
int argmax(int base, int oy, int ox) {
  int y0, y1, x0, x1;
  window(oy, ox, y0, y1, x0, x1);
  const int W = p.dims[1];
  int best = y0 * W + x0;
  float bv = float(a[base + best]);
  for (int iy = y0; iy < y1; ++iy)
    for (int ix = x0; ix < x1; ++ix) {
      const float v = float(a[base + iy * W + ix]);
      if (v > bv || (isnan(v) && !isnan(bv))) {
        bv = v;
        best = iy * W + ix;
      }
    }
  return best;
}

float divisor(int y0, int y1, int x0, int x1) {
  return INCLUDE_PAD != 0 ? float(KH * KW) : float((y1 - y0) * (x1 - x0));
}

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int H = p.dims[0], W = p.dims[1], Ho = p.dims[2], Wo = p.dims[3];
  if (MODE >= 4) {
    const int ox = i % Wo, oy = (i / Wo) % Ho, plane = i / (Wo * Ho);
    const int base = plane * H * W;
    int y0, y1, x0, x1;
    window(oy, ox, y0, y1, x0, x1);
    const int best = MODE == 4 ? argmax(base, oy, ox) : -1;
    const float g = MODE == 4 ? float(b[i]) : float(a[i]) / divisor(y0, y1, x0, x1);
    for (int iy = y0; iy < y1; ++iy)
      for (int ix = x0; ix < x1; ++ix)
        o[base + iy * W + ix] = SF(MODE == 5 || iy * W + ix == best ? g : 0.0);
    return;
  }
  if (MODE < 2) {
    const int ox = i % Wo, oy = (i / Wo) % Ho, plane = i / (Wo * Ho);
    const int base = plane * H * W;
    if (MODE == 0) {
      o[i] = SF(float(a[base + argmax(base, oy, ox)]));
      return;
    }
    int y0, y1, x0, x1;
    window(oy, ox, y0, y1, x0, x1);
    float s = 0.0;
    for (int iy = y0; iy < y1; ++iy)
      for (int ix = x0; ix < x1; ++ix) s += float(a[base + iy * W + ix]);
    o[i] = SF(s / divisor(y0, y1, x0, x1));
    return;
  }
  const int ix = i % W, iy = (i / W) % H, plane = i / (W * H);
  const int me = iy * W + ix, xbase = plane * H * W, ybase = plane * Ho * Wo;
  // Outputs whose window covers (iy, ix): o*S - P <= i < o*S - P + K.
  const int ty = iy + PH - KH + 1, tx = ix + PW - KW + 1;
  const int oy0 = ty <= 0 ? 0 : (ty + SH - 1) / SH, oy1 = min(Ho - 1, (iy + PH) / SH);
  const int ox0 = tx <= 0 ? 0 : (tx + SW - 1) / SW, ox1 = min(Wo - 1, (ix + PW) / SW);
  float acc = 0.0;
  for (int oy = oy0; oy <= oy1; ++oy)
    for (int ox = ox0; ox <= ox1; ++ox) {
      if (MODE == 2) {
        if (argmax(xbase, oy, ox) == me) acc += float(b[ybase + oy * Wo + ox]);
      } else {
        int y0, y1, x0, x1;
        window(oy, ox, y0, y1, x0, x1);
        acc += float(a[ybase + oy * Wo + ox]) / divisor(y0, y1, x0, x1);
      }
    }
  o[i] = SF(acc);
}
