// o[0] = the sum of a[0 .. p.n): one workgroup of 256 invocations, each adding a strided
// share in order, then a tree. The final step of split reductions (shaders/optimizer.comp).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_WORKGROUP
layout(local_size_x = 256) in;
#include "common.glsl"
#include "wg_sum.glsl"

layout(std430, binding = 0) readonly buffer A32 { float a32[]; };  // scratch: fp32

void main() {
  float s = 0.0;
  for (int i = int(gl_LocalInvocationID.x); i < p.n; i += 256) s += a32[i];
  s = wg_sum(vec3(s, 0.0, 0.0)).x;
  if (gl_LocalInvocationID.x == 0) o[0] = SF(s);
}
