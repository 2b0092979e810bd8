// Concat, slice and slice_grad as block copies: a tensor is seen as [outer, extent * inner]
// around the axis. p.dims[0] = blk (elements of one outer step of the small tensor), p.dims[1]
// = row (of the big tensor), p.dims[2] = off (the small tensor's start within a row).
// MODE 0: one concat input a -> its block of o (one dispatch per input); p.n = outer * blk.
// MODE 1: slice, a (big) -> o (small); p.n = outer * blk.
// MODE 2: slice_grad, a = dy (small) -> o (big), zeros outside the slice; p.n = outer * row.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int MODE = 0;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  const int blk = p.dims[0], row = p.dims[1], off = p.dims[2];
  if (MODE == 0) {
    o[(i / blk) * row + off + i % blk] = SF(float(a[i]));
  } else if (MODE == 1) {
    o[i] = SF(float(a[(i / blk) * row + off + i % blk]));
  } else {
    const int r = i % row - off;
    o[i] = SF(r >= 0 && r < blk ? float(a[(i / row) * blk + r]) : 0.0);
  }
}
