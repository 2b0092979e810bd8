// Work split for per-pixel channel reductions (layer norm, softmax over C): NCHW puts a pixel's
// channels HW apart, so each task takes one image and a run of up to kTile contiguous pixels and
// walks the channels with unit-stride inner loops.
#pragma once

#include <algorithm>
#include <cstdint>

namespace segrt::cpu {

inline constexpr int64_t kTile = 64;

// Calls fn(n, i0, i1) for pixel ranges [i0, i1) of image n, in parallel when the work is large.
template <typename F>
void for_pixel_tiles(int64_t n_images, int64_t hw, int64_t channels, F fn) {
  const int64_t tiles = (hw + kTile - 1) / kTile;
  const int64_t tasks = n_images * tiles;
#pragma omp parallel for if (tasks * kTile * channels > 32768)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / tiles, i0 = (t % tiles) * kTile;
    fn(n, i0, std::min(i0 + kTile, hw));
  }
}

}  // namespace segrt::cpu
