// Forward semantics of the NN ops, pinned to values worked out by hand or known from PyTorch and
// Keras: the operator suite checks backends against the CPU and gradients against the forward,
// but only these say the forward itself means what docs/ops.md says.
#include <doctest/doctest.h>

#include <cmath>

#include "graph/op_registry.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/philox.h"
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

struct OpRun {
  std::vector<std::vector<double>> out;  // every output
  std::vector<std::vector<double>> in;   // inputs after the run (mutated ones updated)
};

// Runs `op` once on the CPU in double precision.
OpRun run_op(const std::string& op, const std::vector<Shape>& shapes,
             const std::vector<std::vector<double>>& data, const Attrs& attrs = {}) {
  Graph g;
  std::vector<int> ins;
  for (size_t i = 0; i < shapes.size(); ++i)
    ins.push_back(g.add_input("in" + std::to_string(i), shapes[i]));
  std::vector<int> outs = g.add(op, ins, attrs);
  cpu::CpuProgram<double> p(g, outs);
  for (size_t i = 0; i < ins.size(); ++i) {
    REQUIRE(int64_t(data[i].size()) == numel(shapes[i]));
    std::copy(data[i].begin(), data[i].end(), p.data(ins[i]));
  }
  p.run();
  OpRun r;
  for (int v : outs) r.out.emplace_back(p.data(v), p.data(v) + numel(g.value(v).shape));
  for (int v : ins) r.in.emplace_back(p.data(v), p.data(v) + numel(g.value(v).shape));
  return r;
}

void check_near(const std::vector<double>& got, const std::vector<double>& want,
                double tol = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol));
  }
}

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& e : v) e = start++;
  return v;
}

// Throws when the node is added: shape inference refuses it.
void check_refused(const std::string& op, const std::vector<Shape>& shapes, const Attrs& attrs) {
  Graph g;
  std::vector<int> ins;
  for (size_t i = 0; i < shapes.size(); ++i)
    ins.push_back(g.add_input("in" + std::to_string(i), shapes[i]));
  CHECK_THROWS_AS(g.add(op, ins, attrs), Error);
}

}  // namespace

TEST_CASE("upsample: bilinear matches PyTorch F.interpolate, nearest repeats") {
  const std::vector<double> x{1, 2, 3, 4};
  const Attrs bil{{"mode", std::string("bilinear")}};
  // F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False); the same values as
  // Keras UpSampling2D(interpolation='bilinear') (half-pixel centres).
  check_near(run_op("upsample", {{1, 1, 2, 2}}, {x}, bil).out[0],
             {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5,  //
              2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
  Attrs ac = bil;
  ac.set("align_corners", int64_t{1});
  const double t = 1.0 / 3;
  check_near(run_op("upsample", {{1, 1, 2, 2}}, {x}, ac).out[0],
             {1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t,  //
              2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4});
  check_near(run_op("upsample", {{1, 1, 1, 2}}, {{5, 7}}, {{"scale", int64_t{3}}}).out[0],
             {5, 5, 5, 7, 7, 7, 5, 5, 5, 7, 7, 7, 5, 5, 5, 7, 7, 7});
  check_refused("upsample", {{1, 1, 2, 2}}, {{"align_corners", int64_t{1}}});
  check_refused("upsample", {{1, 1, 2, 2}}, {{"mode", std::string("bicubic")}});
}

TEST_CASE("max_pool2d: first maximum in window order wins, forward and backward") {
  const Attrs k2{{"kernel", Shape{2, 2}}};
  // Windows {5, 5 / 5, 5} and {1, 2 / 2, 2}: the first 5 (0, 0) and the first 2 (0, 3).
  const std::vector<double> x{5, 5, 1, 2, 5, 5, 2, 2};
  check_near(run_op("max_pool2d", {{1, 1, 2, 4}}, {x}, k2).out[0], {5, 2});
  check_near(run_op("max_pool2d_grad", {{1, 1, 2, 4}, {1, 1, 1, 2}}, {x, {1, 10}}, k2).out[0],
             {1, 0, 0, 10, 0, 0, 0, 0});
  // Padding never wins, even against negative values.
  const Attrs k3p1{{"kernel", Shape{3, 3}}, {"stride", Shape{1, 1}}, {"pad", Shape{1, 1}}};
  check_near(run_op("max_pool2d", {{1, 1, 2, 2}}, {{-4, -3, -2, -1}}, k3p1).out[0],
             {-1, -1, -1, -1});
  check_refused("max_pool2d", {{1, 1, 4, 4}}, {{"kernel", Shape{2, 2}}, {"pad", Shape{2, 2}}});
  check_refused("max_pool2d", {{1, 1, 4, 4}}, {});
}

TEST_CASE("avg_pool2d: count_include_pad as PyTorch, global_avg_pool is the plane mean") {
  const std::vector<double> ones(9, 1.0);
  Attrs a{{"kernel", Shape{3, 3}}, {"stride", Shape{1, 1}}, {"pad", Shape{1, 1}}};
  check_near(run_op("avg_pool2d", {{1, 1, 3, 3}}, {ones}, a).out[0],
             {4 / 9., 6 / 9., 4 / 9., 6 / 9., 1, 6 / 9., 4 / 9., 6 / 9., 4 / 9.});
  a.set("count_include_pad", int64_t{0});
  check_near(run_op("avg_pool2d", {{1, 1, 3, 3}}, {ones}, a).out[0], std::vector<double>(9, 1.0));
  check_near(run_op("global_avg_pool", {{1, 2, 2, 2}}, {iota(8)}).out[0], {1.5, 5.5});
}

TEST_CASE("batch_norm_train: batch statistics, Keras momentum, unbiased running variance") {
  // Channel 0 = 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 constant 2.
  const std::vector<Shape> s{{1, 2, 2, 2}, {2}, {2}, {2}, {2}};
  const std::vector<std::vector<double>> d{
      {1, 2, 3, 4, 2, 2, 2, 2}, {2, 1}, {0.5, -1}, {0, 1}, {1, 1}};
  OpRun r = run_op("batch_norm_train", s, d, {{"momentum", 0.9}, {"eps", 1e-3}});
  const double i0 = 1 / std::sqrt(1.25 + 1e-3), i1 = 1 / std::sqrt(1e-3);
  check_near(r.out[0], {2 * -1.5 * i0 + 0.5, 2 * -0.5 * i0 + 0.5, 2 * 0.5 * i0 + 0.5,
                        2 * 1.5 * i0 + 0.5, -1, -1, -1, -1});
  check_near(r.out[1], {2.5, 2});
  check_near(r.out[2], {i0, i1});
  check_near(r.in[3], {0.1 * 2.5, 0.9 * 1 + 0.1 * 2});
  check_near(r.in[4], {0.9 + 0.1 * 5.0 / 3.0, 0.9});
  // Defaults: momentum 0.99 and eps 1e-3 (Keras).
  OpRun def = run_op("batch_norm_train", s, d);
  check_near(def.out[2], {i0, i1});
  check_near(def.in[3], {0.01 * 2.5, 0.99 + 0.01 * 2});
  check_refused("batch_norm_train", {{1, 2, 1, 1}, {2}, {2}, {2}, {2}}, {});  // one value
  check_refused("batch_norm_train", {{1, 2, 2, 2}, {3}, {2}, {2}, {2}}, {});
}

TEST_CASE("batch_norm_infer uses the running statistics") {
  OpRun r = run_op("batch_norm_infer", {{1, 2, 1, 2}, {2}, {2}, {2}, {2}},
                   {{1, 3, 0, 4}, {2, 1}, {0, 1}, {1, 2}, {4, 0.25}}, {{"eps", 0.0}});
  check_near(r.out[0], {0, 2, (0 - 2) / 0.5 + 1, (4 - 2) / 0.5 + 1});
}

TEST_CASE("layer_norm_channels normalises each pixel over C") {
  // Pixel 0 = (1, 2, 3): mean 2, biased var 2/3. Pixel 1 = (0, 0, 6): mean 2, var 8.
  OpRun r = run_op("layer_norm_channels", {{1, 3, 1, 2}, {3}, {3}},
                   {{1, 0, 2, 0, 3, 6}, {1, 2, 3}, {0, 0, 1}});
  const double a = 1 / std::sqrt(2.0 / 3 + 1e-3), b = 1 / std::sqrt(8 + 1e-3);
  check_near(r.out[0], {-a, -2 * b, 0, -2 * 2 * b, 3 * a + 1, 3 * 4 * b + 1});
  check_near(r.out[1], {2, 2});
  check_near(r.out[2], {a, b});
}

TEST_CASE("softmax_channels sums to one per pixel and does not overflow") {
  // Pixel 0 logits (0, ln 2), pixel 1 (1000, 1000 + ln 2): both 1/3, 2/3.
  const double l2 = std::log(2.0);
  OpRun r = run_op("softmax_channels", {{1, 2, 1, 2}}, {{0, 1000, l2, 1000 + l2}});
  check_near(r.out[0], {1 / 3., 1 / 3., 2 / 3., 2 / 3.}, 1e-9);
}

TEST_CASE("dropout: Philox mask keyed by (seed, key, index), inverted scaling") {
  const int64_t n = 100000;
  const std::vector<double> ones(static_cast<size_t>(n), 1.0);
  const Attrs a{{"p", 0.3}, {"seed", int64_t{11}}};
  auto y5 = run_op("dropout", {{1, 1, 200, 500}, {1}}, {ones, {5}}, a).out[0];
  auto y5b = run_op("dropout", {{1, 1, 200, 500}, {1}}, {ones, {5}}, a).out[0];
  auto y6 = run_op("dropout", {{1, 1, 200, 500}, {1}}, {ones, {6}}, a).out[0];
  int64_t dropped = 0, differ = 0, wrong = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool keep = philox_uniform(11, 5, uint64_t(i)) >= 0.3;
    wrong += y5[i] != (keep ? 1 / 0.7 : 0.0);
    dropped += y5[i] == 0;
    differ += y5[i] != y6[i];
  }
  CHECK(wrong == 0);
  CHECK(y5 == y5b);
  CHECK(std::abs(double(dropped) / n - 0.3) < 0.01);
  // Independent masks agree on keep/drop with probability 0.58.
  CHECK(std::abs(double(differ) / n - 0.42) < 0.01);

  // Spatial: whole (n, c) channels dropped, channel index n * C + c.
  const Attrs sp{{"p", 0.5}, {"seed", int64_t{2}}, {"spatial", int64_t{1}}};
  auto ys =
      run_op("dropout", {{4, 50, 3, 3}, {1}}, {std::vector<double>(1800, 1.0), {3}}, sp).out[0];
  int64_t dropped_ch = 0;
  for (int64_t ch = 0; ch < 200; ++ch) {
    const double want = philox_uniform(2, 3, uint64_t(ch)) >= 0.5 ? 2.0 : 0.0;
    for (int64_t i = 0; i < 9; ++i) CHECK(ys[ch * 9 + i] == want);
    dropped_ch += want == 0;
  }
  CHECK(std::abs(double(dropped_ch) / 200 - 0.5) < 0.15);

  CHECK_THROWS_AS(run_op("dropout", {{1, 1, 2, 2}, {1}}, {{1, 2, 3, 4}, {1.5}}, a), Error);
  check_refused("dropout", {{1, 1, 2, 2}, {1}}, {{"p", 1.0}});
  check_refused("dropout", {{1, 1, 2, 2}, {2}}, {{"p", 0.5}});
}

TEST_CASE("concat and slice: blocks along the axis, slice undoes concat") {
  auto a = iota(2 * 1 * 2, 0), b = iota(2 * 2 * 2, 100);
  auto y = run_op("concat", {{2, 1, 2}, {2, 2, 2}}, {a, b}).out[0];
  check_near(y, {0, 1, 100, 101, 102, 103, 2, 3, 104, 105, 106, 107});
  check_near(
      run_op("slice", {{2, 3, 2}}, {y}, {{"start", int64_t{1}}, {"size", int64_t{2}}}).out[0], b);
  check_near(run_op("slice_grad", {{2, 1, 2}}, {a},
                    {{"axis", int64_t{2}},
                     {"start", int64_t{1}},
                     {"size", int64_t{2}},
                     {"input_shape", Shape{2, 1, 3}}})
                 .out[0],
             {0, 0, 1, 0, 2, 3});
  check_refused("concat", {{2, 1, 2}, {3, 2, 2}}, {});
  check_refused("slice", {{2, 3, 2}}, {{"start", int64_t{2}}, {"size", int64_t{2}}});
}

TEST_CASE("involution: per-pixel taps over the padded window") {
  const std::vector<double> x = iota(2 * 3 * 4, 1);  // [1, 2, 3, 4]
  auto tap_kernel = [](int64_t groups, int64_t taps, int64_t hw, std::vector<int64_t> tap_of_group,
                       double w) {
    std::vector<double> k(static_cast<size_t>(groups * taps * hw), 0.0);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t i = 0; i < hw; ++i) k[(g * taps + tap_of_group[g]) * hw + i] = w;
    return k;
  };
  // Group 0 (channel 0) takes the centre tap scaled by 2: 2x. Group 1 (channel 1) takes tap 8
  // (ky = kx = 2): x shifted up-left by one with zeros past the edge.
  auto y = run_op("involution", {{1, 2, 3, 4}, {1, 18, 3, 4}}, {x, tap_kernel(2, 9, 12, {4, 8}, 2)},
                  {{"kernel_size", int64_t{3}}, {"groups", int64_t{2}}})
               .out[0];
  check_near(y, {2,      4,      6,      8, 10,     12,     14,     16, 18, 20, 22, 24,  //
                 2 * 18, 2 * 19, 2 * 20, 0, 2 * 22, 2 * 23, 2 * 24, 0,  0,  0,  0,  0});
  // Stride 2 with the centre tap samples x[2h, 2w].
  y = run_op("involution", {{1, 1, 3, 4}, {1, 9, 2, 2}}, {iota(12, 1), tap_kernel(1, 9, 4, {4}, 1)},
             {{"kernel_size", int64_t{3}}, {"stride", int64_t{2}}})
          .out[0];
  check_near(y, {1, 3, 9, 11});
  // Dilation 2, tap 0: x[h - 2, w - 2] (pad 2).
  y = run_op("involution", {{1, 1, 3, 4}, {1, 9, 3, 4}},
             {iota(12, 1), tap_kernel(1, 9, 12, {0}, 1)},
             {{"kernel_size", int64_t{3}}, {"dilation", int64_t{2}}})
          .out[0];
  check_near(y, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2});
  check_refused("involution", {{1, 3, 3, 4}, {1, 18, 3, 4}},
                {{"kernel_size", int64_t{3}}, {"groups", int64_t{2}}});
  check_refused("involution", {{1, 2, 3, 4}, {1, 9, 3, 4}},
                {{"kernel_size", int64_t{3}}, {"groups", int64_t{2}}});
}

}  // namespace segrt::test
