// Concat, slice and slice_grad as block copies: a tensor is seen as [outer, extent * inner]
// around the axis. p.dims[0] = blk (elements of one outer step of the small tensor), p.dims[1]
// = row (of the big tensor), p.dims[2] = off (the small tensor's start within a row).
// MODE 0: one concat input a -> its block of o (one dispatch per input); p.n = outer * blk.
// MODE 1: slice, a (big) -> o (small); p.n = outer * blk.
// MODE 2: slice_grad, a = dy (small) -> o (big), zeros outside the slice; p.n = outer * row.
// VEC 1 (blk, row and off multiples of 4): every index above counts vec4s instead of floats,
// so each invocation moves four (on lavapipe a load or store is a loop over the SIMD lanes,
// whatever its width).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int VEC = 0;

layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 0) readonly buffer A4 { sfloat4 a4[]; };
layout(std430, binding = 2) writeonly buffer O { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer O4 { sfloat4 o4[]; };

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int blk = p.dims[0], row = p.dims[1], off = p.dims[2];
  if (VEC != 0) {
    if (MODE == 0) {
      o4[(i / blk) * row + off + i % blk] = a4[i];
    } else if (MODE == 1) {
      o4[i] = a4[(i / blk) * row + off + i % blk];
    } else {
      const int r = i % row - off;
      // The zero is an fp32 constant: a 16-bit one would need shaderFloat16, not just storage.
      o4[i] = SF4(r >= 0 && r < blk ? vec4(a4[(i / row) * blk + r]) : vec4(0.0));
    }
  } else if (MODE == 0) {
    o[(i / blk) * row + off + i % blk] = a[i];
  } else if (MODE == 1) {
    o[i] = a[(i / blk) * row + off + i % blk];
  } else {
    const int r = i % row - off;
    o[i] = SF(r >= 0 && r < blk ? float(a[(i / row) * blk + r]) : 0.0);
  }
}
