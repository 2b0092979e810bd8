// Times the Vulkan convolution shaders on one-node graphs: median run() time over repeats
// after warm-up, and GFLOP/s counting 2 * multiply-adds.
// Usage: segrt_vkbench_conv [repeats [label substring]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "runtime/backend.h"

namespace {

using segrt::Attrs;
using segrt::Shape;
using V = std::vector<int64_t>;

struct Case {
  const char* label;
  std::string op;
  std::vector<Shape> inputs;
  Attrs attrs;
  double flops;  // 2 * multiply-adds
};

double conv_flops(int64_t n, int64_t cout, int64_t ho, int64_t wo, int64_t cin_g, int64_t k) {
  return 2.0 * double(n * cout * ho * wo) * double(cin_g * k * k);
}

double time_case(segrt::Backend& be, const Case& c, int repeats) {
  segrt::Graph g;
  std::vector<int> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    ins.push_back(g.add_input("in" + std::to_string(i), c.inputs[i]));
  const int y = g.add1(c.op, ins, c.attrs);
  auto prog = be.compile(g, {y});
  for (size_t i = 0; i < ins.size(); ++i) {
    std::vector<float> v(static_cast<size_t>(segrt::numel(c.inputs[i])));
    for (size_t k = 0; k < v.size(); ++k) v[k] = float((k * 2654435761u) % 1000) / 500.0f - 1.0f;
    prog->write(ins[i], v);
  }
  for (int i = 0; i < 2; ++i) prog->run();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    prog->run();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const Attrs pad1{{"pad", V{1, 1}}};
  const std::vector<Case> cases{
      {"conv2d 3x3 64->64 128x128 n1",
       "conv2d",
       {{1, 64, 128, 128}, {64, 64, 3, 3}, {64}},
       pad1,
       conv_flops(1, 64, 128, 128, 64, 3)},
      {"conv2d 3x3 32->32 128x128 n16",
       "conv2d",
       {{16, 32, 128, 128}, {32, 32, 3, 3}, {32}},
       pad1,
       conv_flops(16, 32, 128, 128, 32, 3)},
      {"conv2d 3x3 256->256 16x16 n1",
       "conv2d",
       {{1, 256, 16, 16}, {256, 256, 3, 3}, {256}},
       pad1,
       conv_flops(1, 256, 16, 16, 256, 3)},
      {"conv2d 1x1 16->32 128x128 n1",
       "conv2d",
       {{1, 16, 128, 128}, {32, 16, 1, 1}, {32}},
       {},
       conv_flops(1, 32, 128, 128, 16, 1)},
      {"conv_transpose2d 3x3 s2 64->32 64->128 n1",
       "conv_transpose2d",
       {{1, 64, 64, 64}, {64, 32, 3, 3}, {32}},
       Attrs{{"stride", V{2, 2}}, {"pad", V{1, 1}}, {"output_padding", V{1, 1}}},
       conv_flops(1, 64, 64, 64, 32, 3)},
      {"conv2d 1x1 64->64 128x128 n1",
       "conv2d",
       {{1, 64, 128, 128}, {64, 64, 1, 1}, {64}},
       {},
       conv_flops(1, 64, 128, 128, 64, 1)},
      {"conv2d depthwise 3x3 64ch 128x128 n1",
       "conv2d",
       {{1, 64, 128, 128}, {64, 1, 3, 3}, {64}},
       Attrs{{"pad", V{1, 1}}, {"groups", int64_t(64)}},
       conv_flops(1, 64, 128, 128, 1, 3)},
      {"conv2d_grad_input 3x3 64->64 128x128 n1",
       "conv2d_grad_input",
       {{1, 64, 128, 128}, {64, 64, 3, 3}},
       Attrs{{"pad", V{1, 1}}, {"input_shape", V{1, 64, 128, 128}}},
       conv_flops(1, 64, 128, 128, 64, 3)},
      {"conv2d_grad_weight 3x3 64->64 128x128 n1",
       "conv2d_grad_weight",
       {{1, 64, 128, 128}, {1, 64, 128, 128}},
       Attrs{{"pad", V{1, 1}}, {"weight_shape", V{64, 64, 3, 3}}},
       conv_flops(1, 64, 128, 128, 64, 3)},
      {"conv2d_grad_weight 1x1 64->64 128x128 n1",
       "conv2d_grad_weight",
       {{1, 64, 128, 128}, {1, 64, 128, 128}},
       Attrs{{"weight_shape", V{64, 64, 1, 1}}},
       conv_flops(1, 64, 128, 128, 64, 1)},
      {"conv2d_grad_weight depthwise 3x3 64ch 128x128 n1",
       "conv2d_grad_weight",
       {{1, 64, 128, 128}, {1, 64, 128, 128}},
       Attrs{{"pad", V{1, 1}}, {"groups", int64_t(64)}, {"weight_shape", V{64, 1, 3, 3}}},
       conv_flops(1, 64, 128, 128, 1, 3)},
      {"conv2d_grad_weight 3x3 s2 128->256 16x16 n1",
       "conv2d_grad_weight",
       {{1, 128, 16, 16}, {1, 256, 8, 8}},
       Attrs{{"pad", V{1, 1}}, {"stride", V{2, 2}}, {"weight_shape", V{256, 128, 3, 3}}},
       conv_flops(1, 256, 8, 8, 128, 3)},
      {"conv2d_grad_weight 1x1 256->128 16x16 n1",
       "conv2d_grad_weight",
       {{1, 256, 16, 16}, {1, 128, 16, 16}},
       Attrs{{"weight_shape", V{128, 256, 1, 1}}},
       conv_flops(1, 128, 16, 16, 256, 1)},
  };
  auto be = segrt::make_backend("vulkan");
  const std::string only = argc > 2 ? argv[2] : "";
  for (const Case& c : cases) {
    if (std::string(c.label).find(only) == std::string::npos) continue;
    const double ms = time_case(*be, c, repeats);
    std::printf("%-44s %9.2f ms %8.2f GFLOP/s\n", c.label, ms, c.flops / (ms * 1e6));
    std::fflush(stdout);
  }
  return 0;
}
