// CPU kernel for dropout: keep element i when philox_uniform(seed, key, i) >= p, where i is the
// flat element index (spatial: the channel index n * C + c). The uniform is exact in both float
// and double, so f32 and f64 runs (and other backends) keep the same elements.
#include <algorithm>
#include <cmath>

#include "graph/ir.h"
#include "runtime/cpu/kernel.h"
#include "runtime/philox.h"

namespace segrt::cpu {
namespace {

template <typename T>
void dropout(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const double p = a.attrs().f("p");
  const uint64_t seed = uint64_t(a.attrs().i("seed", 0));
  const double kv = double(a.in[1][0]);
  if (!(kv >= 0) || kv != std::floor(kv))
    throw Error("dropout: key must hold a non-negative integer, got " + std::to_string(kv));
  const uint64_t key = uint64_t(kv);
  const T s = T(1.0 / (1.0 - p));
  const int64_t n = x.n();
  if (n == 0) return;
  // One draw per group of `inner` elements: an element, or (spatial) an (n, c) channel.
  const int64_t inner = a.attrs().i("spatial", 0) ? n / (x.dim(0) * x.dim(1)) : 1;
  const int64_t groups = n / inner;
  // The keep threshold on the 24-bit draw: keep when (w >> 8) >= p * 2^24, exactly
  // philox_uniform >= p.
  const double thr = std::ceil(p * 16777216.0);
  const int64_t blocks = (groups + 3) / 4;
  constexpr int64_t kChunk = 256;  // blocks per task
#pragma omp parallel for if (n > 16384)
  for (int64_t c0 = 0; c0 < blocks; c0 += kChunk) {
    uint32_t words[4 * kChunk];
    const int64_t nb = std::min(kChunk, blocks - c0);
    philox_blocks(seed, key, uint64_t(c0), nb, words);
    const int64_t g_end = std::min(groups, 4 * (c0 + nb));
    for (int64_t g = 4 * c0; g < g_end; ++g) {
      const bool keep = double(words[g - 4 * c0] >> 8) >= thr;
      for (int64_t i = g * inner; i < (g + 1) * inner; ++i) y[i] = keep ? x[i] * s : T(0);
    }
  }
}
SEGRT_CPU_KERNEL(dropout, dropout);

}  // namespace
}  // namespace segrt::cpu
