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
  const int64_t blocks = (groups + 3) / 4;
#pragma omp parallel for if (n > 16384)
  for (int64_t b = 0; b < blocks; ++b) {
    const auto words = philox_block(seed, key, uint64_t(b));  // draws for groups 4b .. 4b+3
    for (int64_t g = 4 * b; g < std::min(groups, 4 * b + 4); ++g) {
      const bool keep = u32_to_uniform(words[g & 3]) >= p;
      for (int64_t i = g * inner; i < (g + 1) * inner; ++i) y[i] = keep ? x[i] * s : T(0);
    }
  }
}
SEGRT_CPU_KERNEL(dropout, dropout);

}  // namespace
}  // namespace segrt::cpu
