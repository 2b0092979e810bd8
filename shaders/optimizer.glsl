// sgd_update and adam_update (runtime/cpu/optimizer.cpp's formulas), elementwise: param and the state are updated in place, and each workgroup writes the sum of
// squares of its parameter changes to partial[workgroup] (shaders/sum_partials.comp adds them
// into the op's [1] output; with one workgroup it is the output). hyper = [learning rate, step] is read on the device, so a new
// learning rate needs no new pipeline. p.n = elements. Adam does not check step >= 1 (the CPU
// kernel throws); the bias corrections are then meaningless.
// VEC = 1 (the host checked elements % 4 == 0): p.n counts vec4s and every buffer is read and
// written through its vec4 view, a quarter of the per-lane address loops lavapipe emits for
// non-uniform accesses; VEC = 0: one float per invocation.
// Invocation lid of workgroup wg updates units wg * LOCAL * p.ex[0] + it * LOCAL + lid for
// it < p.ex[0] (more than one where workgroups are small). Two variants share this body:
// optimizer.comp, 256 invocations summed by wg_sum.glsl's shared-memory tree (GPUs), and
// optimizer_shuffle.comp for CPU devices with subgroup shuffles: one subgroup per workgroup
// (constant 11 LOCAL = the subgroup size) summed by a subgroupShuffleXor butterfly, no shared
// memory and no barrier (llvmpipe runs workgroups with barriers as coroutines).
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#ifdef SEGRT_SUBGROUP_TREE
layout(local_size_x_id = 11) in;
#else
layout(local_size_x = 256) in;
#endif
#include "common.glsl"
#include "fmath.glsl"
#ifndef SEGRT_SUBGROUP_TREE
#include "wg_sum.glsl"
#endif

layout(std430, binding = 0) buffer Param { sfloat param[]; };
layout(std430, binding = 0) buffer Param4 { sfloat4 param4[]; };
layout(std430, binding = 1) readonly buffer Grad { sfloat grad[]; };
layout(std430, binding = 1) readonly buffer Grad4 { sfloat4 grad4[]; };
// sgd: momentum buffer; adam: m
layout(std430, binding = 2) buffer M { sfloat m1[]; };
layout(std430, binding = 2) buffer M4 { sfloat4 m14[]; };
// adam: v (sgd: unused)
layout(std430, binding = 3) buffer V { sfloat v2[]; };
layout(std430, binding = 3) buffer V4 { sfloat4 v24[]; };
layout(std430, binding = 4) readonly buffer Hyper { sfloat hyper[]; };
layout(std430, binding = 5) writeonly buffer Partial { float partial[]; };  // scratch
layout(std430, binding = 5) writeonly buffer PartialOut { sfloat partial_out[]; };  // the output

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
layout(constant_id = 10) const int VEC = 0;

// Per-step scalars, read once: lr, Adam's lr / (1 - beta1^t) and 1 / (1 - beta2^t).
float lr, step_, inv_bc2;

// One update of pi with gradient gr and state (m, v) in place; returns the change d
// (param -= d). Written once for float and vec4 (every operation is componentwise).
#define SEGRT_OPTIMIZER_UPDATE(T)                                 \
  T update(T pi, T gr, inout T m, inout T v) {                    \
    if (ADAM == 0) {                                              \
      /* PyTorch SGD (dampening 0). */                            \
      const T g = gr + WD * pi;                                   \
      m = B1 * m + g;                                             \
      return lr * (FLAG != 0 ? g + B1 * m : m);                   \
    }                                                             \
    const float l2 = FLAG != 0 ? 0.0 : WD;                        \
    const float decay = FLAG != 0 ? lr * WD : 0.0;                \
    const T g = gr + l2 * pi;                                     \
    m = B1 * m + C1 * g;                                          \
    v = B2 * v + C2 * g * g;                                      \
    return decay * pi + step_ * m / (sqrt(v * inv_bc2) + EPS);    \
  }
SEGRT_OPTIMIZER_UPDATE(float)
SEGRT_OPTIMIZER_UPDATE(vec4)

#ifdef SEGRT_SUBGROUP_TREE
const int LOCAL = int(gl_WorkGroupSize.x);
float group_sum(float v) {
  for (int w = LOCAL / 2; w > 0; w >>= 1) v += subgroupShuffleXor(v, w);
  return v;  // lane 0: the tree's pairing order
}
#else
const int LOCAL = 256;
float group_sum(float v) { return wg_sum(vec3(v, 0.0, 0.0)).x; }
#endif

void main() {
  const int wg = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x), iters = p.ex[0];
  if (wg >= (p.n + LOCAL * iters - 1) / (LOCAL * iters)) return;  // past the last (whole groups)
  lr = float(hyper[0]);
  if (ADAM != 0) {
    const float t = float(hyper[1]);
    step_ = lr / -expm1f(t * LN_B1);      // lr / (1 - beta1^t)
    inv_bc2 = 1.0 / -expm1f(t * LN_B2);   // 1 / (1 - beta2^t)
  }
  float d2 = 0.0;
  for (int it = 0; it < iters; ++it) {
    const int i = (wg * iters + it) * LOCAL + int(gl_LocalInvocationID.x);
    if (i >= p.n) break;
    if (VEC != 0) {
      const vec4 pi = vec4(param4[i]);
      vec4 m = vec4(m14[i]), v = ADAM != 0 ? vec4(v24[i]) : vec4(0.0);
      const vec4 d = update(pi, vec4(grad4[i]), m, v);
      m14[i] = SF4(m);
      if (ADAM != 0) v24[i] = SF4(v);
      param4[i] = SF4(pi - d);
      d2 += dot(d, d);
    } else {
      const float pi = float(param[i]);
      float m = float(m1[i]), v = ADAM != 0 ? float(v2[i]) : 0.0;
      const float d = update(pi, float(grad[i]), m, v);
      m1[i] = SF(m);
      if (ADAM != 0) v2[i] = SF(v);
      param[i] = SF(pi - d);
      d2 += d * d;
    }
  }
  const float s = group_sum(d2);
  if (gl_LocalInvocationID.x == 0 && scratch_binding(5))
    partial[wg] = s;
  else if (gl_LocalInvocationID.x == 0)
    partial_out[wg] = SF(s);
}
