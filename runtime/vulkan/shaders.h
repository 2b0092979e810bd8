// SPIR-V compiled from shaders/*.comp at build time and embedded (see cmake/shaders.cmake).
#pragma once

#include <cstddef>
#include <cstdint>

namespace segrt::vk {

struct Spirv {
  const char* name;  // the .comp file's base name
  const uint32_t* words;
  size_t count;
};

// nullptr when no shader of that name was built. fp16_storage: the variant built with
// SEGRT_FP16_STORAGE=1 (fp16 tensor buffers, see shaders/common.glsl).
const Spirv* find_shader(const char* name, bool fp16_storage = false);

}  // namespace segrt::vk
