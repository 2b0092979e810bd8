// Cold vs warm pipeline creation: every (shader, specialisation) an ORU-Net training step
// lowers to (SEGRT_BENCH_MODEL: another zoo model, or "all"), created through the context's
// pipeline cache. With no arguments it removes the
// cache file in a fresh folder and runs itself twice (cold, then warm); `--once DIR` is one run.
// Mesa's own shader disk cache is turned off so only segrt's cache is measured.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "graph/models/zoo.h"
#include "graph/training.h"
#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/pipeline_cache.h"

using namespace segrt;

namespace {

// Adds the (shader, spec) pairs of one training step of `model` (its default input size).
void collect(const std::string& model, std::set<std::pair<std::string, std::vector<int32_t>>>& v,
             std::set<std::string>& missing) {
  Graph g = build_model(model, 1, Mode::Train);
  const int logits = g.outputs().at(0);
  const std::string head = g.meta.at("head");
  TrainGraph tg = add_training(g, logits, head, LossSpec::parse(head == "softmax" ? "ce" : "bce"),
                               OptimSpec::parse("adam"));
  std::vector<int> outs = tg.updates;
  outs.push_back(tg.loss);
  for (int n : g.schedule(outs)) {
    const Node& node = g.node(n);
    if (!vk::has_shader(node.op)) {
      missing.insert(node.op);
      continue;
    }
    for (auto& d : vk::lower(g, node).dispatches) v.insert({d.shader, d.spec});
  }
}

// model: a zoo model name, or "all" for every registered model.
int once(const std::string& dir, const std::string& model) {
  setenv("SEGRT_CACHE_DIR", dir.c_str(), 1);
  // Held from here: lowering asks the context about the device.
  auto ctx = vk::Context::get();
  std::set<std::pair<std::string, std::vector<int32_t>>> variants;
  std::set<std::string> missing;
  if (model == "all")
    for (const auto& m : ModelRegistry::get().names()) collect(m, variants, missing);
  else
    collect(model, variants, missing);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<vk::PipelineKey> keys;
  for (auto& [shader, spec] : variants) keys.push_back({shader, spec});
  ctx->pipelines(keys);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const auto& pc = ctx->pipeline_cache();
  std::printf(
      "{\"device\": \"%s\", \"pipelines\": %zu, \"ms\": %.2f, \"cache\": \"%s\", "
      "\"loaded_bytes\": %zu, \"payload_bytes\": %zu, \"hit\": %s, "
      "\"ops_without_shader\": %zu}\n",
      ctx->info().name.c_str(), variants.size(), ms, pc.state().c_str(), pc.loaded_bytes(),
      pc.loaded_payload_bytes(), pc.loaded_payload_bytes() > 0 ? "true" : "false", missing.size());
  ctx->save_pipeline_cache();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string model =
        std::getenv("SEGRT_BENCH_MODEL") ? std::getenv("SEGRT_BENCH_MODEL") : "oru-net";
    if (argc == 3 && std::string(argv[1]) == "--once") return once(argv[2], model);
    if (argc != 1) {
      std::fprintf(stderr, "usage: %s [--once DIR]\n", argv[0]);
      return 2;
    }
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("segrt-pipelines-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
    unsetenv("SEGRT_VULKAN_PIPELINE_CACHE");
    const std::string cmd = std::string(argv[0]) + " --once '" + dir.string() + "'";
    std::printf("cold: ");
    std::fflush(stdout);
    int rc = std::system(cmd.c_str());
    std::printf("warm: ");
    std::fflush(stdout);
    if (rc == 0) rc = std::system(cmd.c_str());
    fs::remove_all(dir);
    return rc == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segrt_vkbench_pipelines: %s\n", e.what());
    return 1;
  }
}
