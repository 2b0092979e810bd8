// The SGEMM benchmark's shader (shaders/sgemm.comp) against a double-precision product, both
// variants (shared-memory staging and direct reads), on sizes that are no multiple of any tile
// (edge rows and columns, K ending mid-slice, K below one slice).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/sgemm.h"
#include "runtime/vulkan/vulkan_backend.h"

namespace segrt::test {

TEST_CASE("vulkan: the sgemm shader matches a reference product for odd sizes and tiles") {
  if (!vk::vulkan_available()) {
    MESSAGE("no Vulkan device: skipped");
    return;
  }
  const vk::SgemmTile tiles[] = {{8, 8, 4, 4, 16, true},
                                 {16, 16, 8, 8, 8, true},
                                 {4, 8, 3, 8, 4, true},
                                 {8, 8, 8, 16, 4, false},
                                 {4, 2, 3, 4, 4, false}};
  const int shapes[][3] = {{37, 28, 20}, {70, 132, 44}, {5, 4, 4}};
  for (const auto& t : tiles)
    for (const auto& s : shapes) {
      const int m = s[0], n = s[1], k = s[2];
      INFO(t.str() << " M=" << m << " N=" << n << " K=" << k);
      vk::Sgemm g(vk::Context::get(), t, m, n, k);
      std::vector<float> A(size_t(m) * k), B(size_t(k) * n);
      for (int i = 0; i < m * k; ++i) A[i] = float((i * 37) % 23) / 11.f - 1.f;
      for (int i = 0; i < k * n; ++i) B[i] = float((i * 13) % 19) / 9.f - 1.f;
      g.set_a(A);
      g.set_b(B);
      g.run();
      const std::vector<float> C = g.c();
      double err = 0;
      for (int r = 0; r < m; ++r)
        for (int c = 0; c < n; ++c) {
          double want = 0;
          for (int q = 0; q < k; ++q) want += double(A[r * k + q]) * B[q * n + c];
          const double got = C[r * n + c];
          err = std::isfinite(got) ? std::max(err, std::fabs(got - want)) : INFINITY;
        }
      CHECK(err < 1e-4);
    }
  // The shader reads vec4s: N and K must be multiples of 4.
  CHECK_THROWS_WITH_AS(vk::Sgemm(vk::Context::get(), tiles[0], 8, 30, 8),
                       doctest::Contains("multiples of 4"), Error);
}

}  // namespace segrt::test

#endif
