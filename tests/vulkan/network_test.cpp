// Whole networks on Vulkan against the CPU backend: ORU-Net and ResU-Net inference (with the
// Vulkan backend's conv-epilogue fusion) from the same parameters and input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "graph/init.h"
#include "graph/models/zoo.h"
#include "runtime/backend.h"
#include "runtime/philox.h"
#include "tests/vulkan/compare.h"
#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/vulkan_program.h"
#endif

namespace segrt {
namespace {

using test::have_vulkan;
using test::nmse;

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
    std::vector<size_t> arena;
    // cpu, vulkan with conv epilogue fusion (the default), vulkan without.
    for (const std::string be : {"cpu", "vulkan", "vulkan-unfused"}) {
      if (be == "vulkan-unfused") setenv("SEGRT_VULKAN_DISABLE", "fusion", 1);
      auto prog = make_backend(be == "cpu" ? "cpu" : "vulkan")->compile(g, g.outputs());
      unsetenv("SEGRT_VULKAN_DISABLE");
#ifdef SEGRT_HAVE_VULKAN
      if (auto* vp = dynamic_cast<vk::VulkanProgram*>(prog.get())) {
        if (be == "vulkan") {
          MESSAGE(spec << ": " << vp->fused_groups() << " fused conv epilogues");
          CHECK(vp->fused_groups() >= 5);
        } else {
          CHECK(vp->fused_groups() == 0);
        }
      }
#endif
      arena.push_back(prog->arena_bytes());
      for (auto& v : g.values())
        if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
          prog->write(v.id, p.at(v.name));
      prog->write(g.inputs()[0], x);
      prog->run();
      outs.push_back(prog->read(g.outputs()[0]));
    }
    for (size_t k : {1, 2}) {
      const double e = nmse(outs[k], outs[0]);
      const std::string what = spec + (k == 1 ? " fused" : " unfused");
      MESSAGE(what << ": output NMSE vulkan vs cpu " << e);
      CHECK(e <= 5e-4);
    }
    // Fused intermediates take no arena memory.
    CHECK(arena[1] <= arena[2]);
  }
}

}  // namespace segrt
