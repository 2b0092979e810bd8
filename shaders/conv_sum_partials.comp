// Second pass of the split weight-gradient reductions (conv2d_grad_weight.comp,
// conv2d_grad_weight_direct.glsl, conv_depthwise.comp MODE 2): out[i] = sum over s of
// a[s * n + i], s = 0 .. p.red - 1, in that order, so the result does not depend on
// scheduling. p.n = elements of dw.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A32 { float a32[]; };  // scratch: fp32

void main() {
  const int i = gid();
  if (i >= p.n) return;
  float s = 0.0;
  for (int k = 0; k < p.red; ++k) s += a32[k * p.n + i];
  o[i] = SF(s);
}
