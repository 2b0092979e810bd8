// Times the Vulkan normalisation, pooling and channel-sum shaders on one training-size
// activation [16, 32, 128, 128]: each op alone in a graph, median of timed runs after warm-up.
// Prints ms and the effective bandwidth (bytes the op must read and write / time).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "runtime/backend.h"

using namespace segrt;

namespace {

const Shape kX = {16, 32, 128, 128};

// Builds the graph (returning the values to keep), fills every input, times run().
void bench(const char* name, const std::function<std::vector<int>(Graph&)>& build, double bytes) {
  Graph g;
  const std::vector<int> outs = build(g);
  auto be = make_backend("vulkan");
  auto prog = be->compile(g, outs);
  for (int v : g.inputs()) {
    std::vector<float> d(static_cast<size_t>(numel(g.value(v).shape)));
    for (size_t i = 0; i < d.size(); ++i) d[i] = 0.5f + 0.001f * float(i % 997);
    prog->write(v, d);
  }
  for (int i = 0; i < 2; ++i) prog->run();
  std::vector<double> ms;
  for (int i = 0; i < 7; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    prog->run();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const double med = ms[ms.size() / 2];
  // The same graph once on the CPU from the same inputs (the running statistics restart):
  // the largest difference against the largest reference value.
  auto ref = make_backend("cpu")->compile(g, outs);
  double diff = 0, top = 0;
  for (int v : g.inputs()) {
    std::vector<float> d(static_cast<size_t>(numel(g.value(v).shape)));
    for (size_t i = 0; i < d.size(); ++i) d[i] = 0.5f + 0.001f * float(i % 997);
    ref->write(v, d);
    prog->write(v, d);
  }
  prog->run();
  ref->run();
  for (int v : outs) {
    const std::vector<float> a = prog->read(v), b = ref->read(v);
    for (size_t i = 0; i < a.size(); ++i) {
      diff = std::max(diff, double(std::abs(a[i] - b[i])));
      top = std::max(top, double(std::abs(b[i])));
    }
  }
  std::printf("%-18s %9.2f ms %8.2f GB/s   max diff vs cpu %.1e (of %.1e)\n", name, med,
              bytes / (med * 1e-3) / 1e9, diff, top);
}

}  // namespace

int main() {
  const double x = 4.0 * double(numel(kX));
  const Shape c = {kX[1]};
  // A plain elementwise pass over the same tensor: the device's streaming ceiling, for scale.
  bench(
      "relu (reference)", [&](Graph& g) { return g.add("relu", {g.add_input("x", kX)}); }, 2 * x);
  bench(
      "batch_norm_train",
      [&](Graph& g) {
        const int in = g.add_input("x", kX);
        std::vector<int> ins = {in};
        for (const char* p : {"gamma", "beta", "rmean", "rvar"}) ins.push_back(g.add_input(p, c));
        return g.add("batch_norm_train", ins);
      },
      2 * x);  // read x, write y (the statistics pass reads x once more)
  bench(
      "batch_norm_grad",
      [&](Graph& g) {
        std::vector<int> ins = {g.add_input("x", kX)};
        for (const char* p : {"gamma", "mean", "invstd"}) ins.push_back(g.add_input(p, c));
        ins.push_back(g.add_input("dy", kX));
        return g.add("batch_norm_grad", ins);
      },
      3 * x);  // read x and dy, write dx
  bench(
      "channel_sum", [&](Graph& g) { return g.add("channel_sum", {g.add_input("x", kX)}); }, x);
  bench(
      "max_pool2d k2",
      [&](Graph& g) {
        return g.add("max_pool2d", {g.add_input("x", kX)}, {{"kernel", Shape{2, 2}}});
      },
      1.25 * x);
  bench(
      "max_pool2d_grad k2",
      [&](Graph& g) {
        const int in = g.add_input("x", kX);
        const int dy = g.add_input("dy", {16, 32, 64, 64});
        return g.add("max_pool2d_grad", {in, dy}, {{"kernel", Shape{2, 2}}});
      },
      2.25 * x);
  return 0;
}
