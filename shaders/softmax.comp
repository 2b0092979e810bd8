// Softmax over channels of [N, C, H, W] and its gradient: one invocation per pixel, walking
// its C channels (stride H*W). p.dims[0] = C, p.dims[1] = H*W; p.n = N*H*W.
// Forward: a = x. Gradient: a = y (the forward output), b = dy; dx = y * (dy - sum(y * dy)).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int GRAD = 0;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int C = p.dims[0], hw = p.dims[1];
  const int base = (i / hw) * C * hw + i % hw;
  if (GRAD == 0) {
    float m = float(a[base]);  // subtract the max: exp never overflows
    for (int c = 1; c < C; ++c) m = max(m, float(a[base + c * hw]));
    float s = 0.0;
    for (int c = 0; c < C; ++c) s += exp(float(a[base + c * hw]) - m);
    const float inv = 1.0 / s;
    for (int c = 0; c < C; ++c) o[base + c * hw] = SF(exp(float(a[base + c * hw]) - m) * inv);
  } else {
    float dot = 0.0;
    for (int c = 0; c < C; ++c) dot += float(a[base + c * hw]) * float(b[base + c * hw]);
    for (int c = 0; c < C; ++c) {
      const int k = base + c * hw;
      o[k] = SF(float(a[k]) * (float(b[k]) - dot));
    }
  }
}
