// segrt bench: median time of inference or of one training step, and memory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/model_source.h"
#include "graph/cost.h"
#include "graph/init.h"
#include "graph/models/zoo.h"
#include "graph/training.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/philox.h"

namespace segrt::app {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::vector<float> random_values(const Shape& s, uint64_t seed, bool binary) {
  std::vector<float> v(static_cast<size_t>(numel(s)));
  for (size_t i = 0; i < v.size(); ++i) {
    double u = philox_uniform(seed, 7, i);
    v[i] = binary ? (u > 0.5 ? 1.f : 0.f) : static_cast<float>(u);
  }
  return v;
}

}  // namespace

int cmd_bench(const Argv& argv) {
  Args a("segrt bench", "segrt bench --model MODEL --size HxW --batch N [--train] [--json]",
         {{"model", "MODEL", "zoo spec or .segrt file", "oru-net"},
          {"size", "HxW", "input size", "128x128"},
          {"batch", "N", "batch size", "1"},
          {"train", "", "time one training step (forward, backward, Adam update)"},
          {"backend", "NAME", "cpu, auto", "cpu"},
          {"warmup", "N", "untimed runs after the first", "1"},
          {"repeat", "N", "timed runs (the median is reported)", "5"},
          {"threads", "N", "CPU threads (0: all cores)", "0"},
          {"json", "", "print one JSON object"}});
  if (!a.parse(argv)) return 0;
  if (a.integer("threads", 0) > 0) cpu::set_threads(a.integer("threads"));
  ModelSource m = open_model(a.str("model"));
  auto [h, w] = a.size("size");
  const int batch = a.integer("batch"), repeat = a.integer("repeat");
  if (batch < 1 || repeat < 1) throw Error("segrt bench: --batch and --repeat must be >= 1");
  const bool train = a.flag("train");

  auto t_cold = std::chrono::steady_clock::now();
  Graph g = build_model(m.spec, batch, train ? Mode::Train : Mode::Infer,
                        m.info_int("data.channels", 0), h, w);
  const int image = g.get("image");
  const int logits = g.outputs().at(0);
  GraphCost fwd = graph_cost(g);
  std::vector<int> outs = {logits};
  TrainGraph tg;
  if (train) {
    tg = add_training(g, logits, g.meta.at("head"),
                      LossSpec::parse(g.meta.at("head") == "softmax" ? "ce" : "bce"),
                      OptimSpec::parse("adam"));
    outs = tg.updates;
    outs.push_back(tg.loss);
  }
  auto backend = make_backend(a.str("backend"));
  auto prog = backend->compile(g, outs);
  ParamStore params = m.from_file ? m.params : init_params(g, 1);
  if (m.from_file && train) {
    ParamStore fresh = init_params(g, 1);  // optimizer state
    for (auto& [k, v] : params) fresh[k] = v;
    params = std::move(fresh);
  }
  for (auto& v : g.values())
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      prog->write(v.id, params.at(v.name));
  prog->write(image, random_values(g.value(image).shape, 1, false));
  if (train) {
    prog->write(tg.target, random_values(g.value(tg.target).shape, 2, true));
    prog->write(tg.hyper, std::vector<float>{1e-4f, 1.f});
  }
  if (int key = g.find("rng_key"); key >= 0) prog->write(key, std::vector<float>{1.f});
  prog->run();
  const double cold_ms = ms_since(t_cold);
  for (int i = 0; i < a.integer("warmup"); ++i) prog->run();
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    auto t = std::chrono::steady_clock::now();
    if (train) prog->write(tg.hyper, std::vector<float>{1e-4f, float(i + 2)});
    prog->run();
    times.push_back(ms_since(t));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const size_t peak = prog->arena_bytes() + prog->persistent_bytes();
  const double flops = train ? 3 * fwd.flops : fwd.flops;  // backward ~ 2x forward
  if (a.flag("json")) {
    nlohmann::json j = {{"model", m.spec},
                        {"backend", backend->name()},
                        {"size", {h, w}},
                        {"batch", batch},
                        {"train", train},
                        {"threads", cpu::threads()},
                        {"median_ms", median},
                        {"ms_per_image", median / batch},
                        {"cold_ms", cold_ms},
                        {"min_ms", times.front()},
                        {"max_ms", times.back()},
                        {"peak_bytes", peak},
                        {"params_trainable", fwd.trainable},
                        {"forward_flops", fwd.flops},
                        {"gflops_per_s", flops / (median * 1e6)}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s  %s  batch %d  %dx%d  %s  %d threads\n", m.spec.c_str(),
                backend->name().c_str(), batch, h, w, train ? "training step" : "inference",
                cpu::threads());
    std::printf("median %.2f ms (%.2f ms/image)  min %.2f  max %.2f  cold %.1f ms\n", median,
                median / batch, times.front(), times.back(), cold_ms);
    std::printf("peak memory %.1f MiB  ~%.1f GFLOP/s\n", peak / 1048576.0, flops / (median * 1e6));
  }
  return 0;
}

}  // namespace segrt::app
