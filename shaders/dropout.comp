// Dropout with the mask of runtime/philox.h, bit for bit: group g (an element, or with
// spatial = 1 an (n, c) channel of p.dims[3] elements) keeps when word g % 4 of Philox-4x32-10
// block g / 4, counter (block, 0, key lo, key hi), key (seed lo, seed hi), has
// (word >> 8) >= p.dims[2] (= ceil(p * 2^24)). a = x, b = key (the step, as a float);
// p.dims[0..1] = seed lo, hi (bit patterns); p.alpha = 1 / (1 - p); p.ex[0] = elements.
// Invocation j takes elements 4j .. 4j+3 (p.n = ceil(elements / 4)): without spatial they are
// the four groups of one Philox block, so one Philox call serves four elements.
// VEC = 1 (the host checked elements % 4 == 0 and, spatial, p.dims[3] % 4 == 0): the four
// are read and written as one vec4; without spatial they are the four words of block j, with
// spatial they share one group's word (one division finds it: lavapipe runs integer divisions
// lane by lane, so the VEC path keeps them out of the per-element work). VEC = 0: floats, up
// to the last element; a spatial run of four may straddle two blocks, the second drawn only
// then. SPATIAL: constant 1, whether p.dims[3] > 1 is possible.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 0) readonly buffer A4 { sfloat4 a4[]; };
layout(std430, binding = 1) readonly buffer Key { sfloat key_in[]; };
layout(std430, binding = 2) writeonly buffer O { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer O4 { sfloat4 o4[]; };

layout(constant_id = 0) const int VEC = 0;
layout(constant_id = 1) const int SPATIAL = 0;

uvec4 philox4x32_10(uvec4 c, uvec2 k) {
  for (int r = 0; r < 10; ++r) {
    uint hi0, lo0, hi1, lo1;
    umulExtended(0xD2511F53u, c.x, hi0, lo0);
    umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
    c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += uvec2(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

void main() {
  const int j = gid();
  if (j >= p.n) return;
  // The key is a non-negative integer held in a float: split it into two 32-bit halves.
  const float kv = float(key_in[0]);
  const float khi = floor(kv / 4294967296.0);
  const uvec2 key = uvec2(uint(kv - khi * 4294967296.0), uint(khi));
  const uvec2 seed = uvec2(uint(p.dims[0]), uint(p.dims[1]));
  const uint thr = uint(p.dims[2]);
  const int inner = p.dims[3], first = 4 * j;
  if (VEC != 0) {
    bvec4 keep;
    if (SPATIAL == 0) {
      keep = greaterThanEqual(philox4x32_10(uvec4(uint(j), 0u, key.x, key.y), seed) >> 8,
                              uvec4(thr));
    } else {
      const uint g = uint(first / inner);
      const uvec4 w = philox4x32_10(uvec4(g >> 2, 0u, key.x, key.y), seed);
      keep = bvec4((w[g & 3u] >> 8) >= thr);
    }
    o4[j] = SF4(mix(vec4(0.0), vec4(a4[j]) * p.alpha, keep));
    return;
  }
  uint blk = uint(first / inner) >> 2;
  uvec4 w = philox4x32_10(uvec4(blk, 0u, key.x, key.y), seed);
  const int last = min(first + 4, p.ex[0]);
  for (int e = first; e < last; ++e) {
    const uint g = uint(e / inner);
    if (g >> 2 != blk) {
      blk = g >> 2;
      w = philox4x32_10(uvec4(blk, 0u, key.x, key.y), seed);
    }
    o[e] = SF((w[g & 3u] >> 8) >= thr ? float(a[e]) * p.alpha : 0.0);
  }
}
