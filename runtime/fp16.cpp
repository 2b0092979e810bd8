#include "runtime/fp16.h"

#include <bit>

namespace segrt {

uint16_t float_to_half(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t exp = (x >> 23) & 0xFFu, man = x & 0x7FFFFFu;
  if (exp == 0xFF) {
    if (man == 0) return sign | 0x7C00u;  // inf
    // NaN: the top 10 payload bits, with the quiet bit set so it never becomes inf.
    return static_cast<uint16_t>(sign | 0x7E00u | (man >> 13));
  }
  // Unbiased exponent; half normals cover [-14, 15].
  const int e = static_cast<int>(exp) - 127;
  if (e > 15) return sign | 0x7C00u;  // beyond the largest finite half, even after rounding
  uint32_t m;                         // the significand with its implicit bit: 24 bits
  int shift;                          // bits to drop from m
  uint32_t he;                        // biased half exponent of the result before carry
  if (e >= -14) {
    m = man | 0x800000u;
    shift = 13;
    he = static_cast<uint32_t>(e + 15);
  } else {
    // Subnormal half (or zero): value = m * 2^(e - 23), half units are 2^-24.
    if (e < -25) return sign;  // below half the smallest subnormal: rounds to zero
    m = exp == 0 ? man : (man | 0x800000u);
    shift = 13 + (-14 - e);
    he = 0;
  }
  const uint32_t kept = m >> shift, rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
  uint32_t r = kept + ((rest > half || (rest == half && (kept & 1u))) ? 1u : 0u);
  if (he == 0) return static_cast<uint16_t>(sign | r);  // a carry into bit 10 makes it normal
  // Normal: r has its implicit bit at 10; a carry to bit 11 bumps the exponent by the add.
  const uint32_t bits = (he << 10) + (r - 0x400u);
  if (bits >= 0x7C00u) return sign | 0x7C00u;
  return static_cast<uint16_t>(sign | bits);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
  uint32_t x;
  if (exp == 0x1F) {
    x = sign | 0x7F800000u | (man << 13);
  } else if (exp != 0) {
    x = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    x = sign;
  } else {
    // Subnormal half: normalise into a float normal.
    int e = -14;
    uint32_t m = man;
    while (!(m & 0x400u)) {
      m <<= 1;
      --e;
    }
    x = sign | (static_cast<uint32_t>(e + 127) << 23) | ((m & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(x);
}

void floats_to_halves(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = float_to_half(src[i]);
}

void halves_to_floats(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
}

}  // namespace segrt
