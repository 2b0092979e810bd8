// Per-channel partial statistics over the N*H*W elements of each channel of x [N, C, H, W],
// the first pass of batch norm (and of layer norm's dgamma/dbeta). Channel c's M = N*H*W
// elements (k = n*HW + i) are cut into p.ex[0] splits of p.ex[1]; one workgroup per (channel,
// split), g = c * splits + s, 128 invocations reading consecutive elements, then a
// shared-memory tree. Writes partial[2g], partial[2g + 1]; norm_finish.comp merges the splits
// in order. Deterministic: every order is fixed.
// MODE 0: mean and M2 (sum of squared deviations) of x: Welford per invocation, Chan's merge
//         in the tree (no E[x^2] - E[x]^2 cancellation).
// MODE 1-3: sum(dy) and sum(dy * xhat), xhat = (x - mean) * invstd, with mean and invstd
//         1: per channel (batch norm's batch statistics), 2: per channel from the running
//         statistics, invstd = 1 / sqrt(running_var + eps), 3: per pixel n*HW + i (layer norm).
// VEC = 1 (the host checked HW % 4 == 0 and chunk % 4 == 0): each step reads a vec4 of one
//         plane (a quarter of lavapipe's per-lane address loops); MODE 0 merges the four as
//         one batch (their mean and M2, then Chan's step: one division per four elements).
// Two variants share this body: norm_stats.comp, 128 invocations merged by a shared-memory
// tree (GPUs), and norm_stats_shuffle.comp for CPU devices with subgroup shuffles: one
// subgroup per workgroup (constant 2 LOCAL = the subgroup size) merged by a subgroupShuffleXor
// butterfly in the tree's pairing order, no shared memory and no barrier (llvmpipe runs
// workgroups with barriers as coroutines, which cost more than the statistics).
// Bindings: 0 x, 1 mean, 2 invstd (MODE 2: running_var), 3 dy, 4 partials.
// p.dims = {N, C, HW}, p.alpha = eps.
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, binding = 0) readonly buffer X4 { sfloat4 x4[]; };
layout(std430, binding = 1) readonly buffer Mean { sfloat mean[]; };
layout(std430, binding = 1) readonly buffer Mean4 { sfloat4 mean4[]; };
layout(std430, binding = 2) readonly buffer Inv { sfloat inv[]; };
layout(std430, binding = 2) readonly buffer Inv4 { sfloat4 inv4[]; };
layout(std430, binding = 3) readonly buffer DY { sfloat dy[]; };
layout(std430, binding = 3) readonly buffer DY4 { sfloat4 dy4[]; };
layout(std430, binding = 4) writeonly buffer Part { float part[]; };

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int VEC = 0;

// Merges (count, mean, M2) b into a (MODE 0, Chan's step), or adds the sums (other modes).
void merge(inout vec3 a, vec3 b) {
  if (MODE != 0) {
    a.yz += b.yz;
  } else if (b.x > 0.0) {
    const float nt = a.x + b.x, d = b.y - a.y;
    a.y += d * (b.x / nt);
    a.z += b.z + d * d * (a.x * b.x / nt);
    a.x = nt;
  }
}

#ifdef SEGRT_SUBGROUP_TREE
layout(local_size_x_id = 2) in;
const int LOCAL = int(gl_WorkGroupSize.x);

// Lane 0 gets the merge of the subgroup: at each width w it merges lane w's, as the tree does.
vec3 group_merge(vec3 v, int lid) {
  for (int w = LOCAL / 2; w > 0; w >>= 1) merge(v, subgroupShuffleXor(v, w));
  return v;
}
#else
layout(local_size_x = 128) in;
const int LOCAL = 128;
shared vec3 sh[LOCAL];

vec3 group_merge(vec3 v, int lid) {
  sh[lid] = v;
  barrier();
  for (int w = LOCAL / 2; w > 0; w >>= 1) {
    if (lid < w) {
      vec3 a = sh[lid];
      merge(a, sh[lid + w]);
      sh[lid] = a;
    }
    barrier();
  }
  return sh[0];
}
#endif

void main() {
  const int g = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
  const int N = p.dims[0], C = p.dims[1], W = VEC != 0 ? 4 : 1, HW = p.dims[2] / W;
  const int splits = p.ex[0], chunk = p.ex[1] / W;
  const int c = g / splits, s = g % splits;
  if (c >= C) return;  // the whole workgroup leaves together
  const int lid = int(gl_LocalInvocationID.x);
  // Steps of W elements from here on: k, HW, chunk and end count them.
  const int end = min(N * HW, (s + 1) * chunk);
  float mu = 0.0, ivs = 0.0;
  if (MODE == 1) {
    mu = float(mean[c]);
    ivs = float(inv[c]);
  } else if (MODE == 2) {
    mu = float(mean[c]);
    ivs = 1.0 / sqrt(float(inv[c]) + p.alpha);
  }
  float cnt = 0.0, a0 = 0.0, a1 = 0.0;  // MODE 0: count, mean, M2; else -, sum dy, sum dy*xhat
  int k = s * chunk + lid;
  if (k < end) {
    int n = k / HW, i = k % HW;  // then stepped without division
    for (; k < end; k += LOCAL) {
      const int off = (n * C + c) * HW + i;
      if (VEC != 0) {
        const vec4 v = vec4(x4[off]);
        if (MODE == 0) {
          // The four as a batch (mean m4, M2 q4), merged by Chan's step.
          const float m4 = ((v.x + v.y) + (v.z + v.w)) * 0.25;
          const vec4 e = v - m4;
          const float q4 = dot(e, e), d = m4 - a0, nt = cnt + 4.0;
          a0 += d * (4.0 / nt);
          a1 += q4 + d * d * (cnt * 4.0 / nt);
          cnt = nt;
        } else {
          vec4 mv = vec4(mu), iv = vec4(ivs);
          if (MODE == 3) {
            mv = vec4(mean4[n * HW + i]);
            iv = vec4(inv4[n * HW + i]);
          }
          const vec4 gy = vec4(dy4[off]);
          a0 += (gy.x + gy.y) + (gy.z + gy.w);
          a1 += dot(gy, (v - mv) * iv);
        }
      } else if (MODE == 0) {
        cnt += 1.0;
        const float xv = float(x[off]), d = xv - a0;
        a0 += d / cnt;
        a1 += d * (xv - a0);
      } else {
        if (MODE == 3) {
          mu = float(mean[n * HW + i]);
          ivs = float(inv[n * HW + i]);
        }
        const float gy = float(dy[off]);
        a0 += gy;
        a1 += gy * (float(x[off]) - mu) * ivs;
      }
      i += LOCAL;
      while (i >= HW) {
        i -= HW;
        ++n;
      }
    }
  }
  const vec3 r = group_merge(vec3(cnt, a0, a1), lid);
  if (lid == 0) {
    part[2 * g] = r.y;
    part[2 * g + 1] = r.z;
  }
}
