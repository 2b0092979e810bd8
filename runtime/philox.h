// Philox-4x32-10 (Salmon et al., SC'11): a counter-based generator, so a random number is a
// pure function of (seed, stream, index) and every backend draws bit-identical dropout masks.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace segrt {

inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> ctr,
                                             std::array<uint32_t, 2> key) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = uint64_t(M0) * ctr[0], p1 = uint64_t(M1) * ctr[2];
    ctr = {uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], uint32_t(p1), uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
           uint32_t(p0)};
    key[0] += W0;
    key[1] += W1;
  }
  return ctr;
}

// The four words of block `block` (elements 4*block .. 4*block+3) of stream `stream`.
inline std::array<uint32_t, 4> philox_block(uint64_t seed, uint64_t stream, uint64_t block) {
  return philox4x32_10(
      {uint32_t(block), uint32_t(block >> 32), uint32_t(stream), uint32_t(stream >> 32)},
      {uint32_t(seed), uint32_t(seed >> 32)});
}

// The 32-bit word for element `index`: word index % 4 of block index / 4, so a kernel that
// handles four consecutive elements needs one Philox evaluation.
inline uint32_t philox_u32(uint64_t seed, uint64_t stream, uint64_t index) {
  return philox_block(seed, stream, index >> 2)[index & 3];
}

// The words of `count` consecutive blocks from `first`, out[4 * i + w] = word w of block
// first + i. Same numbers as philox_block; laid out so the compiler vectorises the rounds.
inline void philox_blocks(uint64_t seed, uint64_t stream, uint64_t first, int64_t count,
                          uint32_t* out) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  constexpr int L = 16;
  for (int64_t base = 0; base < count; base += L) {
    uint32_t c0[L], c1[L], c2[L], c3[L];
    for (int i = 0; i < L; ++i) {
      const uint64_t b = first + uint64_t(base + i);
      c0[i] = uint32_t(b);
      c1[i] = uint32_t(b >> 32);
      c2[i] = uint32_t(stream);
      c3[i] = uint32_t(stream >> 32);
    }
    uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      for (int i = 0; i < L; ++i) {
        const uint64_t p0 = uint64_t(M0) * c0[i], p1 = uint64_t(M1) * c2[i];
        const uint32_t n0 = uint32_t(p1 >> 32) ^ c1[i] ^ k0, n2 = uint32_t(p0 >> 32) ^ c3[i] ^ k1;
        c1[i] = uint32_t(p1);
        c3[i] = uint32_t(p0);
        c0[i] = n0;
        c2[i] = n2;
      }
      k0 += W0;
      k1 += W1;
    }
    const int n = int(std::min<int64_t>(L, count - base));
    for (int i = 0; i < n; ++i) {
      uint32_t* o = out + 4 * (base + i);
      o[0] = c0[i];
      o[1] = c1[i];
      o[2] = c2[i];
      o[3] = c3[i];
    }
  }
}

inline double u32_to_uniform(uint32_t w) {
  return double(w >> 8) * (1.0 / 16777216.0);
}

// Uniform in [0, 1) with 24 bits: exact in float on every backend.
inline double philox_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return u32_to_uniform(philox_u32(seed, stream, index));
}

}  // namespace segrt
