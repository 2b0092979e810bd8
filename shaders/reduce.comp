// Sum reductions, the short path (reduce_to, channel_sum, global_avg_pool and the second pass
// of reduce_split.comp): output element i sums p.red elements of a, starting at the offset its
// coordinates give (strides p.sa) and walking the reduced axes (p.rdims, p.sb), then divides by
// p.alpha (1 for plain sums, the window size for means).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// The partials of reduce_split when binding 0 is scratch (fp32 in both variants).
layout(std430, binding = 0) readonly buffer A32 { float a32[]; };

void main() {
  const int i = gid();
  if (i >= p.n) return;
  int base;
  SEGRT_OFFSET(i, p.sa, base);
  float s = 0.0;
  for (int k = 0; k < p.red; ++k) {
    int f = k, off = base;
    for (int d = p.rank - 1; d >= 0; --d) {
      off += (f % p.rdims[d]) * p.sb[d];
      f /= p.rdims[d];
    }
    s += scratch_binding(0) ? a32[off] : float(a[off]);
  }
  o[i] = SF(s / p.alpha);
}
