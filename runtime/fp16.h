// IEEE 754 binary16 <-> binary32 conversion on the host, for fp16 device storage (the Vulkan
// backend's fp16 tier). float -> half rounds to nearest, ties to even, overflowing to +-inf and
// keeping subnormals; NaN stays NaN (quiet, sign and top payload bits kept).
#pragma once

#include <cstddef>
#include <cstdint>

namespace segrt {

uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
// Element-wise over n values.
void floats_to_halves(const float* src, uint16_t* dst, size_t n);
void halves_to_floats(const uint16_t* src, float* dst, size_t n);
// f rounded to the nearest fp16 value and back.
inline float round_to_half(float f) {
  return half_to_float(float_to_half(f));
}

}  // namespace segrt
