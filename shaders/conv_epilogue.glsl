// The output epilogue shared by the convolution shaders (conv2d.comp, conv_depthwise.comp):
//   y = act((acc + bias[c]) * scale[c] + shift[c] + residual[i])
// each term present only when its specialisation constant says so, so one pipeline per
// variant carries no dead loads. A fusion pass (conv + batch-norm fold + add + activation)
// binds the extra buffers and sets the constants; see docs/vulkan.md and
// runtime/vulkan/conv_lowering.h.
//
// Specialisation constants (ids 6-9, the same in every convolution shader):
//   6 ACT: 0 none, 1 relu, 2 leaky_relu (slope p.alpha), 3 sigmoid
//   7 HAS_BIAS: bias[c] added
//   8 HAS_AFFINE: scale[c] and shift[c] applied
//   9 HAS_RESIDUAL: residual[i] added (same shape as the output)
// Bindings 3-6: bias, scale, shift, residual (per output channel; residual per element).
// Bindings the variant does not use are bound to something else and never read.
layout(constant_id = 6) const int ACT = 0;
layout(constant_id = 7) const int HAS_BIAS = 0;
layout(constant_id = 8) const int HAS_AFFINE = 0;
layout(constant_id = 9) const int HAS_RESIDUAL = 0;

layout(std430, binding = 3) readonly buffer Bias { sfloat bias[]; };
layout(std430, binding = 4) readonly buffer Scale { float scale[]; };
layout(std430, binding = 5) readonly buffer Shift { float shift[]; };
layout(std430, binding = 6) readonly buffer Residual { sfloat residual[]; };

// Output element `i` of channel `c` from its accumulated sum.
float epilogue(float acc, int c, int i) {
  float v = acc;
  if (HAS_BIAS != 0) v += float(bias[c]);
  if (HAS_AFFINE != 0) v = v * scale[c] + shift[c];
  if (HAS_RESIDUAL != 0) v += float(residual[i]);
  if (ACT == 1) v = v > 0.0 ? v : 0.0;
  else if (ACT == 2) v = v > 0.0 ? v : p.alpha * v;
  else if (ACT == 3) v = 1.0 / (1.0 + exp(-v));
  return v;
}
