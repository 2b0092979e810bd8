// Sum reductions, the long path: each output's p.red terms are cut into p.ex[0] splits of
// p.ex[1] consecutive terms; one workgroup per (output, split) sums its split with 128
// invocations reading consecutive terms, then a shared-memory tree. Workgroup g = i * splits + s
// writes o[g] / p.alpha: the output itself when there is one split, else partial sums that
// reduce.comp adds up in split order. Fixed orders everywhere, so results are deterministic.
// p.n: outputs; p.rank, p.dims, p.sa: the kept axes (dims and strides into a);
// p.ex[2] reduced axes with dims p.rdims and strides p.sb, the last the innermost.
// VEC = 1 (the host checked: innermost reduced axis dense with a length, every other stride and
// the split length multiples of 4): each step reads a vec4 of four consecutive terms, a
// quarter of lavapipe's per-lane address loops; VEC = 0: one term per step.
// Two variants share this body: reduce_split.comp, 128 invocations summed by a shared-memory
// tree (GPUs), and reduce_split_shuffle.comp for CPU devices with subgroup shuffles, where
// barriers are costly (llvmpipe runs a workgroup with barriers as coroutines): one subgroup
// per workgroup (constant 1 LOCAL = the subgroup size), summed by a subgroupShuffleXor
// butterfly in the same pairing order as the tree, no shared memory, no barrier.
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 0) readonly buffer A4 { sfloat4 a4[]; };
layout(std430, binding = 2) writeonly buffer O { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer O32 { float o32[]; };  // partials (scratch)

layout(constant_id = 0) const int VEC = 0;

#ifdef SEGRT_SUBGROUP_TREE
layout(local_size_x_id = 1) in;
const int LOCAL = int(gl_WorkGroupSize.x);

// Lane 0 gets the subgroup's sum: at each width w it adds lane w's partial, as the tree does.
float group_sum(float v, int lid) {
  for (int w = LOCAL / 2; w > 0; w >>= 1) v += subgroupShuffleXor(v, w);
  return v;
}
#else
layout(local_size_x = 128) in;
const int LOCAL = 128;
shared float part[LOCAL];

float group_sum(float v, int lid) {
  part[lid] = v;
  barrier();
  for (int w = LOCAL / 2; w > 0; w >>= 1) {
    if (lid < w) part[lid] += part[lid + w];
    barrier();
  }
  return part[0];
}
#endif

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
  const int W = VEC != 0 ? 4 : 1;
  const int splits = p.ex[0], chunk = p.ex[1] / W;
  const int i = g / splits, s = g % splits;
  if (i >= p.n) return;  // the whole workgroup leaves together
  int base;
  SEGRT_OFFSET(i, p.sa, base);
  // From here on k, r, rl, chunk and end count steps of W terms (offsets stay in floats).
  const int last = p.ex[2] - 1, rl = p.rdims[last] / W, sl = p.sb[last];
  const int lid = int(gl_LocalInvocationID.x);
  const int end = min(p.red / W, (s + 1) * chunk);
  int k = s * chunk + lid;
  float acc = 0.0;
  if (k < end) {
    // Walk the innermost reduced axis by LOCAL, recomputing the outer offset on wrap only.
    int q = k / rl, r = k % rl, qoff = base + outer_offset(q);
    for (; k < end; k += LOCAL) {
      if (VEC != 0) {
        const vec4 v = vec4(a4[qoff / 4 + r]);
        acc += (v.x + v.y) + (v.z + v.w);
      } else {
        acc += float(a[qoff + r * sl]);
      }
      r += LOCAL;
      if (r >= rl) {
        q += r / rl;
        r %= rl;
        qoff = base + outer_offset(q);
      }
    }
  }
  const float sum = group_sum(acc, lid);
  if (lid == 0 && scratch_binding(2))
    o32[g] = sum / p.alpha;
  else if (lid == 0)
    o[g] = SF(sum / p.alpha);
}
