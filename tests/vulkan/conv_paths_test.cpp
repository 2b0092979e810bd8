// Both convolution paths (shaders/conv2d.comp tiles, the GPU default, and
// conv2d_direct.comp, the CPU-device default) against the CPU backend: the operator suite runs
// only the one the device picks, so this forces each with SEGRT_VULKAN_CONV.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "graph/ops/conv_params.h"
#include "runtime/backend.h"
#include "runtime/philox.h"

namespace segrt {
namespace {

struct ConvCase {
  Shape x, w;
  Attrs a;
  std::string op = "conv2d";
};

std::vector<float> run(const ConvCase& c, const std::string& backend) {
  Graph g;
  const int x = g.add_input("x", c.x), w = g.add_input("w", c.w);
  const int64_t groups = c.a.i("groups", 1);
  const int b = g.add_input("b", {c.op == "conv2d" ? c.w[0] : c.w[1] * groups});
  const int y = g.add1(c.op, {x, w, b}, c.a);
  auto prog = make_backend(backend)->compile(g, {y});
  for (int v : {x, w, b}) {
    std::vector<float> d(static_cast<size_t>(numel(g.value(v).shape)));
    for (size_t i = 0; i < d.size(); ++i) d[i] = float(philox_uniform(9, v, i) * 2 - 1);
    prog->write(v, d);
  }
  prog->run();
  return prog->read(y);
}

// conv2d_grad_weight(x, dy) for the conv2d of c (c.w is the weight shape).
std::vector<float> run_grad_weight(const ConvCase& c, const std::string& backend) {
  Graph g;
  const Shape ys = conv2d_out_shape(c.x, c.w, conv_params(c.a, "conv2d"), "conv2d");
  const int x = g.add_input("x", c.x), dy = g.add_input("dy", ys);
  Attrs a = c.a;
  a.set("weight_shape", c.w);
  const int dw = g.add1("conv2d_grad_weight", {x, dy}, a);
  auto prog = make_backend(backend)->compile(g, {dw});
  for (int v : {x, dy}) {
    std::vector<float> d(static_cast<size_t>(numel(g.value(v).shape)));
    for (size_t i = 0; i < d.size(); ++i) d[i] = float(philox_uniform(9, v, i) * 2 - 1);
    prog->write(v, d);
  }
  prog->run();
  return prog->read(dw);
}

double relative_error(const std::vector<float>& got, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    num += (double(got[i]) - ref[i]) * (double(got[i]) - ref[i]);
    den += double(ref[i]) * ref[i];
  }
  return num / den;
}

bool has_vulkan() {
  auto names = backend_names();
  return std::find(names.begin(), names.end(), "vulkan") != names.end();
}

// Runs body once per path with SEGRT_VULKAN_CONV set, then restores the variable.
template <class F>
void for_each_path(F body) {
  const char* old = std::getenv("SEGRT_VULKAN_CONV");
  const std::string saved = old ? old : "";
  for (const char* path : {"tiled", "direct"}) {
    setenv("SEGRT_VULKAN_CONV", path, 1);
    body(std::string(path));
  }
  if (old)
    setenv("SEGRT_VULKAN_CONV", saved.c_str(), 1);
  else
    unsetenv("SEGRT_VULKAN_CONV");
}

}  // namespace

TEST_CASE("vulkan: tiled and direct weight-gradient paths both match the CPU") {
  if (!has_vulkan()) {
    MESSAGE("no Vulkan device (or a build without Vulkan): skipped");
    return;
  }
  // conv2d_grad_weight_direct.glsl: VEC (x and dy widths multiples of 4) or scalar loads; one
  // slice (a single output row) or split into partial sums (few channel blocks, many rows);
  // channel blocks with tails; depthwise, 1x1, strides, dilations, groups, wide padding; with
  // and without dy shared by shuffles (cases 11 and 13-15 on lavapipe); every kernel row in
  // one invocation (small blocks: cases 9, 10, 12).
  const std::vector<ConvCase> cases = {
      {{2, 3, 9, 11}, {70, 3, 3, 3}, {{"pad", Shape{1, 1}}}},  // scalar, block tails
      {{1, 4, 16, 16}, {4, 4, 1, 1}, {}},                      // 1x1, vec4, split
      {{1, 6, 3, 12}, {5, 6, 3, 3}, {{"pad", Shape{0, 1}}}},   // one row: no split, vec4
      {{1, 6, 3, 10}, {5, 6, 3, 3}, {}},                       // no split, scalar
      {{2, 8, 12, 16}, {8, 8, 3, 3}, {{"pad", Shape{1, 1}}}},  // vec4 3x3
      {{1, 8, 10, 10},
       {16, 4, 3, 3},
       {{"pad", Shape{2, 2}}, {"dilation", Shape{2, 2}}, {"groups", int64_t(2)}}},
      {{1, 5, 13, 9}, {6, 5, 3, 2}, {{"pad", Shape{1, 0}}, {"stride", Shape{2, 2}}}},
      {{1, 4, 16, 16}, {6, 4, 3, 3}, {{"pad", Shape{1, 1}}, {"stride", Shape{2, 2}}}},  // vec4
      {{1, 4, 8, 16}, {4, 4, 1, 1}, {{"stride", Shape{2, 2}}}},  // 1x1 strided, vec4
      {{2, 6, 12, 16}, {6, 1, 3, 3}, {{"pad", Shape{1, 1}}, {"groups", int64_t(6)}}},
      {{1, 4, 9, 10}, {4, 1, 5, 5}, {{"pad", Shape{2, 2}}, {"groups", int64_t(4)}}},
      {{1, 3, 12, 16}, {5, 3, 5, 5}, {{"pad", Shape{1, 6}}, {"dilation", Shape{1, 2}}}},
      {{1, 8, 6, 8}, {8, 2, 3, 3}, {{"pad", Shape{1, 1}}, {"groups", int64_t(4)}}},  // KR = KH
      // Subgroups sharing dy by shuffles (on 8-lane subgroups): one row, 1x1, strided.
      {{1, 8, 3, 16}, {16, 8, 3, 3}, {{"pad", Shape{0, 1}}}},
      {{1, 64, 4, 8}, {8, 64, 1, 1}, {}},
      {{1, 16, 8, 16}, {32, 16, 3, 3}, {{"pad", Shape{1, 1}}, {"stride", Shape{2, 2}}}},
  };
  for_each_path([&](const std::string& path) {
    for (size_t k = 0; k < cases.size(); ++k) {
      INFO(path << " case " << k);
      CHECK(relative_error(run_grad_weight(cases[k], "vulkan"), run_grad_weight(cases[k], "cpu")) <=
            1e-10);
    }
  });
}

TEST_CASE("vulkan: tiled and direct convolution paths both match the CPU") {
  if (!has_vulkan()) {
    MESSAGE("no Vulkan device (or a build without Vulkan): skipped");
    return;
  }
  const std::vector<ConvCase> cases = {
      {{2, 3, 9, 11}, {70, 3, 3, 3}, {{"pad", Shape{1, 1}}}},
      {{1, 8, 10, 10},
       {16, 4, 3, 3},
       {{"pad", Shape{2, 2}}, {"dilation", Shape{2, 2}}, {"groups", int64_t(2)}}},
      {{1, 5, 13, 9}, {6, 5, 3, 2}, {{"pad", Shape{1, 0}}, {"stride", Shape{2, 2}}}},
      {{1, 4, 40, 40}, {64, 4, 3, 3}, {{"pad", Shape{1, 1}}}},  // a 16 x 32 register block
      // Rows of whole vec4s: the direct path reads the source four floats at a time.
      {{1, 3, 12, 16}, {5, 3, 3, 3}, {{"pad", Shape{1, 1}}}},
      {{1, 3, 12, 16}, {5, 3, 5, 5}, {{"pad", Shape{2, 2}}}},
      {{1, 4, 12, 16}, {4, 1, 3, 3}, {{"pad", Shape{1, 1}}, {"groups", int64_t(4)}}},
      {{1, 4, 8, 8},
       {4, 3, 3, 3},
       {{"pad", Shape{1, 1}}, {"stride", Shape{2, 2}}, {"output_padding", Shape{1, 1}}},
       "conv_transpose2d"},
      {{1, 4, 8, 8}, {4, 3, 2, 2}, {{"stride", Shape{2, 2}}}, "conv_transpose2d"},
      {{2, 6, 5, 7},
       {6, 5, 3, 3},
       {{"pad", Shape{1, 1}}, {"stride", Shape{2, 2}}, {"output_padding", Shape{1, 1}}},
       "conv_transpose2d"},
      {{1, 4, 6, 6},
       {4, 3, 3, 3},
       {{"pad", Shape{2, 2}}, {"dilation", Shape{2, 2}}, {"groups", int64_t(2)}},
       "conv_transpose2d"},
      // A 4-pixel row (RN = 4, one vec4 of accumulators) and stride 3 (RN = 15, so the last
      // vec4 has a slot past the row); in both a pixel multiplies the taps it skips by zero.
      {{1, 4, 2, 2}, {4, 3, 2, 2}, {{"stride", Shape{2, 2}}}, "conv_transpose2d"},
      {{1, 3, 5, 5}, {3, 2, 3, 3}, {{"stride", Shape{3, 3}}}, "conv_transpose2d"},
  };
  for_each_path([&](const std::string& path) {
    for (size_t k = 0; k < cases.size(); ++k) {
      INFO(path << " case " << k);
      CHECK(relative_error(run(cases[k], "vulkan"), run(cases[k], "cpu")) <= 1e-10);
    }
  });
  const char* old = std::getenv("SEGRT_VULKAN_CONV");
  const std::string saved = old ? old : "";
  setenv("SEGRT_VULKAN_CONV", "bogus", 1);
  CHECK_THROWS_WITH_AS(run(cases[0], "vulkan"), doctest::Contains("SEGRT_VULKAN_CONV"), Error);
  if (old)
    setenv("SEGRT_VULKAN_CONV", saved.c_str(), 1);
  else
    unsetenv("SEGRT_VULKAN_CONV");
}

}  // namespace segrt
