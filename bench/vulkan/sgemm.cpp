// segrt_vkbench_sgemm: GFLOP/s of our SGEMM shader (shaders/sgemm.comp) on the Vulkan device
// for a few tile configurations, beside OpenBLAS's cblas_sgemm on this CPU with the process's
// threads, on square M = N = K problems. Each result is first checked against cblas_sgemm.
//
//   segrt_vkbench_sgemm [--sizes 1024,2048] [--warmup N] [--repeat N]
//                       [--tile WX,WY,TM,TN,BK,SHARED]...
//
// --tile (repeatable) replaces the built-in configurations (see shaders/sgemm.comp).
#include "runtime/vulkan/sgemm.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "runtime/vulkan/context.h"

using namespace segrt;

namespace {

template <typename F>
double median_ms(F&& f, int warmup, int repeat) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double gflops(int n, double ms) {
  return 2.0 * n * n * double(n) / (ms * 1e6);
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> r;
  for (const char* p = s; *p;) {
    char* end;
    const long v = std::strtol(p, &end, 10);
    if (end == p || v < 0) throw Error(std::string("bad list '") + s + "'");
    r.push_back(int(v));
    p = *end == ',' ? end + 1 : end;
  }
  return r;
}

int run(int argc, char** argv) {
  std::vector<int> sizes = {1024, 2048};
  int warmup = 1, repeat = 5;
  // Two shared-memory tiles of the usual GPU shapes, and the direct variant that suits CPU
  // devices (lavapipe).
  std::vector<vk::SgemmTile> tiles = {
      {16, 16, 4, 8, 16, true},  // 64x128
      {16, 16, 8, 8, 8, true},   // 128x128
      {8, 8, 8, 16, 4, false},   // 64x128
  };
  bool own_tiles = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 < argc && a == "--sizes")
      sizes = parse_list(argv[++i]);
    else if (i + 1 < argc && a == "--tile") {
      const std::vector<int> v = parse_list(argv[++i]);
      if (v.size() != 6 || v[5] > 1) throw Error("--tile expects WX,WY,TM,TN,BK,SHARED (0 or 1)");
      if (!own_tiles) tiles.clear(), own_tiles = true;
      tiles.push_back({v[0], v[1], v[2], v[3], v[4], v[5] == 1});
    } else if (i + 1 < argc && a == "--warmup")
      warmup = std::max(0, std::atoi(argv[++i]));
    else if (i + 1 < argc && a == "--repeat")
      repeat = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr,
                   "usage: %s [--sizes 1024,2048] [--warmup N] [--repeat N] [--tile "
                   "WX,WY,TM,TN,BK,SHARED]...\n",
                   argv[0]);
      return 2;
    }
  }
  auto ctx = vk::Context::get();
  std::printf("device: %s (%s)\nOpenBLAS: %s, %d threads\nmedian of %d runs after %d warm-up\n\n",
              ctx->info().name.c_str(), ctx->info().type.c_str(), openblas_get_config(),
              openblas_get_num_threads(), repeat, warmup);
  for (int n : sizes) {
    std::vector<float> a(size_t(n) * n), b(size_t(n) * n), ref(size_t(n) * n);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = float((i * 7919) % 1000) / 500.f - 1.f;
      b[i] = float((i * 104729) % 997) / 498.5f - 1.f;
    }
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n,
                  0.f, ref.data(), n);
    };
    blas();
    const double blas_ms = median_ms(blas, warmup, repeat);
    double best = 0;
    std::string best_tile;
    for (const vk::SgemmTile& t : tiles) {
      std::unique_ptr<vk::Sgemm> g;
      try {
        g = std::make_unique<vk::Sgemm>(ctx, t, n, n, n);
      } catch (const Error& e) {
        std::printf("%5d  %-34s skipped: %s\n", n, t.str().c_str(), e.what());
        continue;
      }
      g->set_a(a);
      g->set_b(b);
      g->run();
      const std::vector<float> c = g->c();
      double err = 0;
      for (size_t i = 0; i < ref.size(); ++i) err = std::max(err, double(std::fabs(c[i] - ref[i])));
      // Sums of n products of values in [-1, 1]: fp32 rounding grows about sqrt(n) * 2^-24 * n.
      const double tol = 1e-5 * n;
      if (!(err <= tol)) {
        std::printf("%5d  %-34s WRONG: max abs error %.3g vs cblas_sgemm (tolerance %.3g)\n", n,
                    t.str().c_str(), err, tol);
        return 1;
      }
      const double ms = median_ms([&] { g->run(); }, warmup, repeat);
      const double gf = gflops(n, ms);
      std::printf("%5d  %-34s %9.2f ms %8.1f GFLOP/s  (max abs error %.2g)\n", n, t.str().c_str(),
                  ms, gf, err);
      if (gf > best) best = gf, best_tile = t.str();
    }
    const double bgf = gflops(n, blas_ms);
    std::printf("%5d  %-34s %9.2f ms %8.1f GFLOP/s\n", n, "OpenBLAS cblas_sgemm", blas_ms, bgf);
    if (best > 0)
      std::printf("%5d  best shader: %s, %.1f GFLOP/s = %.2f x OpenBLAS\n\n", n, best_tile.c_str(),
                  best, best / bgf);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segrt_vkbench_sgemm: %s\n", e.what());
    return 1;
  }
}
