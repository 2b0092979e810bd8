// Whole networks on Vulkan against the CPU backend: ORU-Net and ResU-Net inference (with the
// Vulkan backend's conv-epilogue fusion) from the same parameters and input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "graph/init.h"
#include "graph/models/zoo.h"
#include "runtime/backend.h"
#include "runtime/philox.h"

namespace segrt {
namespace {

bool have_vulkan() {
  auto names = backend_names();
  return std::find(names.begin(), names.end(), "vulkan") != names.end();
}

double nmse(const std::vector<float>& got, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = double(got[i]) - double(ref[i]);
    num += d * d;
    den += double(ref[i]) * double(ref[i]);
  }
  return num / std::max(den, 1e-30);
}

// Parameters from the model's init rules; running statistics away from (0, 1) so that the
// batch-norm fold is exercised.
ParamStore params_for(const Graph& g) {
  ParamStore p = init_params(g, 7);
  uint64_t k = 0;
  for (auto& [name, v] : p) {
    const bool mean = name.find("running_mean") != std::string::npos;
    const bool var = name.find("running_var") != std::string::npos;
    for (size_t i = 0; i < v.size(); ++i, ++k) {
      const double u = philox_uniform(11, 0, k);
      if (mean) v[i] = float(0.2 * (u - 0.5));
      if (var) v[i] = float(0.5 + u);
    }
  }
  return p;
}

}  // namespace

TEST_CASE("vulkan: ORU-Net and ResU-Net inference match the CPU backend") {
  if (!have_vulkan()) {
    MESSAGE("no Vulkan device (or a build without Vulkan): skipped");
    return;
  }
  for (const std::string spec : {"oru-net", "resunet"}) {
    INFO(spec);
    Graph g = build_model(spec, 2, Mode::Infer, 1, 32, 32);
    const ParamStore p = params_for(g);
    std::vector<float> x(static_cast<size_t>(numel(g.value(g.inputs()[0]).shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(philox_uniform(3, 1, i) * 2 - 1);
    std::vector<std::vector<float>> outs;
    for (const char* be : {"cpu", "vulkan"}) {
      auto prog = make_backend(be)->compile(g, g.outputs());
      for (auto& v : g.values())
        if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
          prog->write(v.id, p.at(v.name));
      prog->write(g.inputs()[0], x);
      prog->run();
      outs.push_back(prog->read(g.outputs()[0]));
    }
    const double e = nmse(outs[1], outs[0]);
    MESSAGE(spec << ": output NMSE vulkan vs cpu " << e);
    CHECK(e <= 5e-4);
  }
}

}  // namespace segrt
