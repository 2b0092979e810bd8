// Batch-norm folding for a fused convolution epilogue: per channel c,
//   scale[c] = gamma[c] / sqrt(var[c] + eps), shift[c] = beta[c] - mean[c] * scale[c],
// so y = (conv + bias) * scale + shift equals batch_norm_infer(conv + bias). Computed on the
// device each run (C values), so parameters written after compile are honoured.
// Bindings: 0 gamma, 1 beta, 2 running mean, 3 running var, 4 scale (out), 5 shift (out).
// p.n = C, p.alpha = eps.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer G { sfloat gamma[]; };
layout(std430, binding = 1) readonly buffer Be { sfloat beta[]; };
layout(std430, binding = 2) readonly buffer M { sfloat mean[]; };
layout(std430, binding = 3) readonly buffer V { sfloat var_[]; };
layout(std430, binding = 4) writeonly buffer S { float scale[]; };
layout(std430, binding = 5) writeonly buffer H { float shift[]; };

void main() {
  const int c = gid();
  if (c >= p.n) return;
  const float s = float(gamma[c]) / sqrt(float(var_[c]) + p.alpha);
  scale[c] = s;
  shift[c] = float(beta[c]) - float(mean[c]) * s;
}
