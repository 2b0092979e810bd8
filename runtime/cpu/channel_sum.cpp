// channel_sum ([N, C, ...] -> [C]) and its adjoint channel_expand.
#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

template <typename T>
void channel_sum(const Args<T>& a) {
  const auto &x = a.in[0], &o = a.out[0];
  const int64_t n = x.dim(0), c = x.dim(1), inner = n > 0 && c > 0 ? x.n() / (n * c) : 0;
#pragma omp parallel for schedule(static) if (x.n() > 65536)
  for (int64_t ci = 0; ci < c; ++ci) {
    // Per-plane partial sums keep long float reductions accurate and vectorised.
    double total = 0;
    for (int64_t ni = 0; ni < n; ++ni) {
      const T* p = x.p + (ni * c + ci) * inner;
      T s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < inner; ++i) s += p[i];
      total += double(s);
    }
    o[ci] = T(total);
  }
}
SEGRT_CPU_KERNEL(channel_sum, channel_sum);

template <typename T>
void channel_expand(const Args<T>& a) {
  const auto &x = a.in[0], &o = a.out[0];
  const int64_t n = o.dim(0), c = o.dim(1), inner = n > 0 && c > 0 ? o.n() / (n * c) : 0;
#pragma omp parallel for schedule(static) if (o.n() > 65536)
  for (int64_t p = 0; p < n * c; ++p) {
    const T v = x[p % c];
    T* d = o.p + p * inner;
    for (int64_t i = 0; i < inner; ++i) d[i] = v;
  }
}
SEGRT_CPU_KERNEL(channel_expand, channel_expand);

}  // namespace
}  // namespace segrt::cpu
