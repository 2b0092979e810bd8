// sgd_update and adam_update (runtime/cpu/optimizer.cpp's formulas), one invocation per
// element: param and the state are updated in place, and each workgroup writes the sum of
// squares of its parameter changes to partial[workgroup] (shaders/sum_partials.comp adds them
// into the op's [1] output). hyper = [learning rate, step] is read on the device, so a new
// learning rate needs no new pipeline. p.n = elements. Adam does not check step >= 1 (the CPU
// kernel throws); the bias corrections are then meaningless.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
layout(local_size_x = 256) in;
#include "common.glsl"
#include "fmath.glsl"
#include "wg_sum.glsl"

layout(std430, binding = 0) buffer Param { sfloat param[]; };
layout(std430, binding = 1) readonly buffer Grad { sfloat grad[]; };
layout(std430, binding = 2) buffer M { sfloat m1[]; };  // sgd: momentum buffer; adam: m
layout(std430, binding = 3) buffer V { sfloat v2[]; };  // adam: v (sgd: unused)
layout(std430, binding = 4) readonly buffer Hyper { sfloat hyper[]; };
layout(std430, binding = 5) writeonly buffer Partial { float partial[]; };

layout(constant_id = 0) const int ADAM = 0;
layout(constant_id = 1) const int FLAG = 0;      // sgd: nesterov; adam: decoupled (AdamW)
layout(constant_id = 2) const float WD = 0.0;    // weight decay
layout(constant_id = 3) const float B1 = 0.0;    // sgd: momentum; adam: beta1
layout(constant_id = 4) const float B2 = 0.0;    // adam: beta2
layout(constant_id = 5) const float EPS = 0.0;   // adam
layout(constant_id = 6) const float C1 = 0.0;    // adam: 1 - beta1 (rounded from double)
layout(constant_id = 7) const float C2 = 0.0;    // adam: 1 - beta2
layout(constant_id = 8) const float LN_B1 = 0.0; // adam: log(beta1), for 1 - beta1^t
layout(constant_id = 9) const float LN_B2 = 0.0; // adam: log(beta2)

void main() {
  const int wg = wg_index();
  if (wg >= (p.n + 255) / 256) return;  // groups past the last (whole workgroups)
  const int i = wg * 256 + int(gl_LocalInvocationID.x);
  float d2 = 0.0;
  if (i < p.n) {
    const float lr = float(hyper[0]), pi = float(param[i]);
    float d;
    if (ADAM == 0) {
      // PyTorch SGD (dampening 0).
      const float g = float(grad[i]) + WD * pi;
      const float b = B1 * float(m1[i]) + g;
      m1[i] = SF(b);
      d = lr * (FLAG != 0 ? g + B1 * b : b);
    } else {
      const float t = float(hyper[1]);
      const float step = lr / -expm1f(t * LN_B1);     // lr / (1 - beta1^t)
      const float inv_bc2 = 1.0 / -expm1f(t * LN_B2);  // 1 / (1 - beta2^t)
      const float l2 = FLAG != 0 ? 0.0 : WD, decay = FLAG != 0 ? lr * WD : 0.0;
      const float g = float(grad[i]) + l2 * pi;
      const float mi = B1 * float(m1[i]) + C1 * g;
      const float vi = B2 * float(v2[i]) + C2 * g * g;
      m1[i] = SF(mi);
      v2[i] = SF(vi);
      d = decay * pi + step * mi / (sqrt(vi * inv_bc2) + EPS);
    }
    param[i] = SF(pi - d);
    d2 = d * d;
  }
  const float s = wg_sum(vec3(d2, 0.0, 0.0)).x;
  if (gl_LocalInvocationID.x == 0) partial[wg] = s;
}
