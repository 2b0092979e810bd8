// Philox-4x32-10 (Salmon et al., SC'11): a counter-based generator, so a random number is a
// pure function of (seed, stream, index) and every backend draws bit-identical dropout masks.
#pragma once

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
  return philox4x32_10({uint32_t(block), uint32_t(block >> 32), uint32_t(stream),
                        uint32_t(stream >> 32)},
                       {uint32_t(seed), uint32_t(seed >> 32)});
}

// The 32-bit word for element `index`: word index % 4 of block index / 4, so a kernel that
// handles four consecutive elements needs one Philox evaluation.
inline uint32_t philox_u32(uint64_t seed, uint64_t stream, uint64_t index) {
  return philox_block(seed, stream, index >> 2)[index & 3];
}

inline double u32_to_uniform(uint32_t w) { return double(w >> 8) * (1.0 / 16777216.0); }

// Uniform in [0, 1) with 24 bits: exact in float on every backend.
inline double philox_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return u32_to_uniform(philox_u32(seed, stream, index));
}

}  // namespace segrt
