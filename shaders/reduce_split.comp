// Sum reductions, the long path: each output's p.red terms are cut into p.ex[0] splits of
// p.ex[1] consecutive terms; one workgroup per (output, split) sums its split with 128
// invocations reading consecutive terms, then a shared-memory tree. Workgroup g = i * splits + s
// writes o[g] / p.alpha: the output itself when there is one split, else partial sums that
// reduce.comp adds up in split order. Fixed orders everywhere, so results are deterministic.
// p.n: outputs; p.rank, p.dims, p.sa: the kept axes (dims and strides into a);
// p.ex[2] reduced axes with dims p.rdims and strides p.sb, the last the innermost.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_WORKGROUP
layout(local_size_x = 128) in;
#include "common.glsl"

layout(std430, binding = 2) writeonly buffer O32 { float o32[]; };  // partials (scratch)

const int LOCAL = 128;
shared float part[LOCAL];

// Offset of combination q of the reduced axes before the last.
int outer_offset(int q) {
  int off = 0;
  for (int d = p.ex[2] - 2; d >= 0; --d) {
    off += (q % p.rdims[d]) * p.sb[d];
    q /= p.rdims[d];
  }
  return off;
}

void main() {
  const int g = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
  const int splits = p.ex[0], chunk = p.ex[1];
  const int i = g / splits, s = g % splits;
  if (i >= p.n) return;  // the whole workgroup leaves together
  int base;
  SEGRT_OFFSET(i, p.sa, base);
  const int last = p.ex[2] - 1, rl = p.rdims[last], sl = p.sb[last];
  const int lid = int(gl_LocalInvocationID.x);
  const int end = min(p.red, (s + 1) * chunk);
  int k = s * chunk + lid;
  float acc = 0.0;
  if (k < end) {
    // Walk the innermost reduced axis by LOCAL, recomputing the outer offset on wrap only.
    int q = k / rl, r = k % rl, qoff = base + outer_offset(q);
    for (; k < end; k += LOCAL) {
      acc += float(a[qoff + r * sl]);
      r += LOCAL;
      if (r >= rl) {
        q += r / rl;
        r %= rl;
        qoff = base + outer_offset(q);
      }
    }
  }
  part[lid] = acc;
  barrier();
  for (int w = LOCAL / 2; w > 0; w >>= 1) {
    if (lid < w) part[lid] += part[lid + w];
    barrier();
  }
  if (lid == 0 && scratch_binding(2)) o32[g] = part[0] / p.alpha;
  else if (lid == 0) o[g] = SF(part[0] / p.alpha);
}
