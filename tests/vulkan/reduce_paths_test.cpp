// Both workgroup-sum variants of the split reductions (shared-memory trees, the GPU default,
// and one-subgroup shuffle butterflies, the CPU-device default) against the CPU backend: the
// operator suite runs only the one the device picks, so this forces each with
// SEGRT_VULKAN_REDUCE. Covers reduce_split, norm_stats (every mode) and the optimizer, each on
// its vec4 and float paths and with one and several workgroups.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "runtime/backend.h"
#include "runtime/philox.h"

namespace segrt {
namespace {

struct Case {
  std::string op;
  std::vector<Shape> inputs;
  Attrs attrs;
  // Input i's value at element k from a U(-1, 1) draw u (default: u itself).
  std::function<double(int i, size_t k, double u)> fill;
};

// Every output and every input (some ops update theirs in place) after one run.
std::vector<std::vector<float>> run(const Case& c, const std::string& backend) {
  Graph g;
  std::vector<int> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    ins.push_back(g.add_input("in" + std::to_string(i), c.inputs[i]));
  const std::vector<int> outs = g.add(c.op, ins, c.attrs);
  std::vector<int> keep = outs;
  keep.insert(keep.end(), ins.begin(), ins.end());
  auto prog = make_backend(backend)->compile(g, keep);
  for (size_t i = 0; i < ins.size(); ++i) {
    std::vector<float> d(static_cast<size_t>(numel(c.inputs[i])));
    for (size_t k = 0; k < d.size(); ++k) {
      const double u = philox_uniform(11, i, k) * 2 - 1;
      d[k] = float(c.fill ? c.fill(static_cast<int>(i), k, u) : u);
    }
    prog->write(ins[i], d);
  }
  prog->run();
  std::vector<std::vector<float>> r;
  for (int v : keep) r.push_back(prog->read(v));
  return r;
}

// Positive inputs (variances, invstd) where `pos` lists them.
std::function<double(int, size_t, double)> positive(std::vector<int> pos) {
  return [pos](int i, size_t, double u) {
    return std::find(pos.begin(), pos.end(), i) != pos.end() ? 1.25 + 0.75 * u : u;
  };
}

// Optimizers: Adam's v (input 3) >= 0; the last input, hyper, = [lr 1e-3, step 3].
std::function<double(int, size_t, double)> optimizer_fill(int hyper) {
  return [hyper](int i, size_t k, double u) {
    if (i == hyper) return k == 0 ? 1e-3 : 3.0;
    return i == 3 ? std::abs(u) : u;
  };
}

}  // namespace

TEST_CASE("vulkan: tree and shuffle workgroup sums both match the CPU") {
  auto names = backend_names();
  if (std::find(names.begin(), names.end(), "vulkan") == names.end()) {
    MESSAGE("no Vulkan device (or a build without Vulkan): skipped");
    return;
  }
  const Shape vec{3, 2, 48, 64}, flt{2, 2, 35, 35};  // 9216 / 2450 terms per channel
  const Attrs bn{{"eps", 1e-5}, {"momentum", 0.9}};
  std::vector<Case> cases;
  for (const Shape& x : {vec, flt}) {
    const Shape c{x[1]}, px{x[0], 1, x[2], x[3]};
    cases.push_back({"channel_sum", {x}, {}, {}});
    cases.push_back({"batch_norm_train", {x, c, c, c, c}, bn, positive({4})});
    cases.push_back({"batch_norm_grad", {x, c, c, c, x}, bn, positive({3})});
    cases.push_back({"batch_norm_infer_grad", {x, c, c, c, x}, bn, positive({3})});
    cases.push_back({"layer_norm_channels_grad", {x, c, px, px, x}, bn, positive({3})});
  }
  // Optimizer: vec4 and float, one workgroup and several.
  for (const Shape& w : {Shape{4, 3, 3, 3}, Shape{5, 7, 3, 3}, Shape{8, 16, 3, 3}, Shape{2051}}) {
    cases.push_back(
        {"adam_update", {w, w, w, w, {2}}, {{"weight_decay", 1e-2}}, optimizer_fill(4)});
    cases.push_back({"sgd_update", {w, w, w, {2}}, {{"momentum", 0.9}}, optimizer_fill(3)});
  }
  const char* old = std::getenv("SEGRT_VULKAN_REDUCE");
  const std::string saved = old ? old : "";
  for (const char* path : {"tree", "shuffle"}) {
    setenv("SEGRT_VULKAN_REDUCE", path, 1);
    for (const Case& c : cases) {
      INFO(path << " " << c.op << " on " << numel(c.inputs[0]) << " elements");
      const auto ref = run(c, "cpu"), got = run(c, "vulkan");
      REQUIRE(ref.size() == got.size());
      for (size_t v = 0; v < ref.size(); ++v) {
        double num = 0, den = 0;
        for (size_t i = 0; i < ref[v].size(); ++i) {
          num += (double(got[v][i]) - ref[v][i]) * (double(got[v][i]) - ref[v][i]);
          den += double(ref[v][i]) * ref[v][i];
        }
        INFO("value " << v);
        CHECK(num <= 1e-9 * std::max(den, 1e-30));
      }
    }
  }
  setenv("SEGRT_VULKAN_REDUCE", "bogus", 1);
  CHECK_THROWS_WITH_AS(run(cases[0], "vulkan"), doctest::Contains("SEGRT_VULKAN_REDUCE"), Error);
  if (old)
    setenv("SEGRT_VULKAN_REDUCE", saved.c_str(), 1);
  else
    unsetenv("SEGRT_VULKAN_REDUCE");
}

}  // namespace segrt
