// Dropout with the mask of runtime/philox.h, bit for bit: group g (an element, or with
// spatial = 1 an (n, c) channel of p.dims[3] elements) keeps when word g % 4 of Philox-4x32-10
// block g / 4, counter (block, 0, key lo, key hi), key (seed lo, seed hi), has
// (word >> 8) >= p.dims[2] (= ceil(p * 2^24)). a = x, b = key (the step, as a float);
// p.dims[0..1] = seed lo, hi (bit patterns); p.alpha = 1 / (1 - p); p.n = elements.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

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
  const int i = gid();
  if (i >= p.n) return;
  // The key is a non-negative integer held in a float: split it into two 32-bit halves.
  const float kv = float(b[0]);
  const float khi = floor(kv / 4294967296.0);
  const uvec2 key = uvec2(uint(kv - khi * 4294967296.0), uint(khi));
  const uint g = uint(i / p.dims[3]);
  const uvec4 w = philox4x32_10(uvec4(g >> 2, 0u, key.x, key.y),
                                uvec2(uint(p.dims[0]), uint(p.dims[1])));
  const uint word = w[g & 3u];
  o[i] = SF((word >> 8) >= uint(p.dims[2]) ? float(a[i]) * p.alpha : 0.0);
}
