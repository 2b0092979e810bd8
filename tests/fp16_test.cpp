// runtime/fp16.h: round-to-nearest-even float -> half, exact half -> float, the special values.
#include "runtime/fp16.h"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

using segrt::float_to_half;
using segrt::half_to_float;

TEST_CASE("fp16: exact values, ties to even, overflow, subnormals") {
  CHECK(float_to_half(0.0f) == 0x0000);
  CHECK(float_to_half(-0.0f) == 0x8000);
  CHECK(float_to_half(1.0f) == 0x3C00);
  CHECK(float_to_half(-2.0f) == 0xC000);
  CHECK(float_to_half(65504.0f) == 0x7BFF);  // largest finite
  CHECK(float_to_half(65519.0f) == 0x7BFF);  // below the midpoint to 65536
  CHECK(float_to_half(65520.0f) == 0x7C00);  // the midpoint: even is 2^16, which overflows
  CHECK(float_to_half(1e6f) == 0x7C00);
  CHECK(float_to_half(-1e6f) == 0xFC00);
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: even (1). 1 + 3*2^-11: up to 1 + 2^-9.
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
  CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3C01);
  // A carry through the significand into the exponent: 2 - 2^-12 rounds to 2.
  CHECK(float_to_half(2.0f - std::ldexp(1.0f, -12)) == 0x4000);
  // Subnormals: units of 2^-24.
  CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);
  CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);  // tie to even (0)
  CHECK(float_to_half(std::ldexp(1.0f, -25) * 1.001f) == 0x0001);
  CHECK(float_to_half(3 * std::ldexp(1.0f, -25)) == 0x0002);  // tie between 1 and 2: 2
  CHECK(float_to_half(-5 * std::ldexp(1.0f, -24)) == 0x8005);
  CHECK(float_to_half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -26)) == 0x0400);  // to normal
  CHECK(float_to_half(std::numeric_limits<float>::denorm_min()) == 0x0000);
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(half_to_float(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));
  CHECK(half_to_float(0x7BFF) == 65504.0f);
  CHECK(std::signbit(half_to_float(0x8000)));
}

TEST_CASE("fp16: inf and nan") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(float_to_half(inf) == 0x7C00);
  CHECK(float_to_half(-inf) == 0xFC00);
  CHECK(half_to_float(0x7C00) == inf);
  CHECK(half_to_float(0xFC00) == -inf);
  const uint16_t qn = float_to_half(std::numeric_limits<float>::quiet_NaN());
  CHECK((qn & 0x7C00) == 0x7C00);
  CHECK((qn & 0x03FF) != 0);
  // A signalling NaN whose payload lies only in the low bits must not become inf.
  const float snan = std::bit_cast<float>(0x7F800001u);
  const uint16_t sn = float_to_half(snan);
  CHECK((sn & 0x7C00) == 0x7C00);
  CHECK((sn & 0x03FF) != 0);
  CHECK(std::isnan(half_to_float(0x7E00)));
  CHECK(std::isnan(half_to_float(0xFC01)));
}

TEST_CASE("fp16: every half survives the round trip; random floats round to the nearest") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      CHECK(std::isnan(half_to_float(float_to_half(f))));
      continue;
    }
    REQUIRE(float_to_half(f) == h);
  }
  // Nearest: no other half is closer; at a tie the result's significand is even.
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 100000; ++i) {
    const float f = std::bit_cast<float>(bits(rng));
    if (std::isnan(f) || std::fabs(f) >= 65504.0f) continue;
    const uint16_t h = float_to_half(f);
    const double r = half_to_float(h), err = std::fabs(double(f) - r);
    for (int d : {-1, 1}) {
      const uint16_t nb =
          static_cast<uint16_t>((h & 0x7FFF) == 0 && d < 0 ? (h ^ 0x8000) + 1 : h + d);
      const float nf = half_to_float(nb);
      if (std::isnan(nf) || std::isinf(nf)) continue;
      const double nerr = std::fabs(double(f) - nf);
      REQUIRE(err <= nerr);
      if (err == nerr && err > 0) REQUIRE((h & 1) == 0);
    }
  }
}
