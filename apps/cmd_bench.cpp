// segrt bench: median time of inference or of one training step, the cold (device open +
// compile + first run) time, device memory, GFLOP/s, and with --per-op the time per op type from
// the backend's kernel timers.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
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
#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/vulkan_backend.h"
#endif

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

// One op type's share of a run, from the kernel timers.
struct OpTime {
  std::string op;
  double ms = 0;     // per run
  int count = 0;     // kernels per run
  double flops = 0;  // per run, from the cost model
};

// Per-op times averaged over `runs` profiled runs, slowest first. Empty when the backend does
// not time kernels.
std::vector<OpTime> per_op_times(Program& prog, int runs, const std::function<void(int)>& run,
                                 const GraphCost& cost) {
  prog.set_profiling(true);
  std::map<std::string, OpTime> by_op;
  for (int i = 0; i < runs; ++i) {
    run(i);
    for (const auto& k : prog.kernel_times()) {
      OpTime& o = by_op[k.op];
      o.op = k.op;
      o.ms += k.ms / runs;
      if (i == 0) ++o.count;
    }
  }
  prog.set_profiling(false);
  for (const LayerCost& l : cost.layers)
    if (auto it = by_op.find(l.op); it != by_op.end()) it->second.flops += l.flops;
  std::vector<OpTime> r;
  for (auto& [k, v] : by_op) r.push_back(v);
  std::sort(r.begin(), r.end(), [](const OpTime& a, const OpTime& b) { return a.ms > b.ms; });
  return r;
}

// The device a backend runs on, for the report.
std::string device_name(const Backend& b) {
#ifdef SEGRT_HAVE_VULKAN
  if (auto* v = dynamic_cast<const vk::VulkanBackend*>(&b)) return v->device().name;
#endif
  return std::to_string(cpu::threads()) + " threads";
}

}  // namespace

int cmd_bench(const Argv& argv) {
  Args a("segrt bench",
         "segrt bench --model MODEL --size HxW --batch N [--train] [--backend NAME] [--per-op] "
         "[--json]",
         {{"model", "MODEL", "zoo spec or .segrt file", "oru-net"},
          {"size", "HxW", "input size", "128x128"},
          {"batch", "N", "batch size", "1"},
          {"train", "", "time one training step (forward, backward, Adam update)"},
          {"backend", "NAME", "cpu, vulkan, auto", "cpu"},
          {"precision", "P",
           "fp32, or fp16 (vulkan only: tensors stored as fp16, arithmetic in fp32)", "fp32"},
          {"warmup", "N", "untimed runs after the first", "1"},
          {"repeat", "N", "timed runs (the median is reported)", "5"},
          {"threads", "N", "CPU threads (0: all cores)", "0"},
          {"per-op", "", "time per op type from the kernel timers (--repeat more runs)"},
          {"json", "", "print one JSON object"}});
  if (!a.parse(argv)) return 0;
  if (a.integer("threads", 0) > 0) cpu::set_threads(a.integer("threads"));
  ModelSource m = open_model(a.str("model"));
  auto [h, w] = a.size("size");
  const int batch = a.integer("batch"), repeat = a.integer("repeat");
  if (batch < 1 || repeat < 1) throw Error("segrt bench: --batch and --repeat must be >= 1");
  const bool train = a.flag("train");
  const Precision precision = parse_precision(a.str("precision"));
  if (train && precision == Precision::Fp16)
    throw Error(
        "segrt bench: --train needs --precision fp32 (the optimizer updates and running "
        "statistics keep fp32 state; fp16 storage is for inference)");

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
  auto t_open = std::chrono::steady_clock::now();
  auto backend = make_backend(a.str("backend"), precision);
  const double open_ms = ms_since(t_open);
  auto t_compile = std::chrono::steady_clock::now();
  auto prog = backend->compile(g, outs);
  const double compile_ms = ms_since(t_compile);
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
  auto t_first = std::chrono::steady_clock::now();
  prog->run();
  const double first_run_ms = ms_since(t_first);
  const double cold_ms = ms_since(t_cold);
  int step = 2;  // Adam's step count for training runs
  auto run = [&](int) {
    if (train) prog->write(tg.hyper, std::vector<float>{1e-4f, float(step++)});
    prog->run();
  };
  for (int i = 0; i < a.integer("warmup"); ++i) run(i);
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    auto t = std::chrono::steady_clock::now();
    run(i);
    times.push_back(ms_since(t));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const size_t peak = prog->device_bytes();
  const double flops = train ? 3 * fwd.flops : fwd.flops;  // backward ~ 2x forward
  // Profiled runs come after the timed ones so the timers cannot slow the median.
  const bool per_op = a.flag("per-op");
  std::vector<OpTime> ops;
  if (per_op) ops = per_op_times(*prog, repeat, run, train ? graph_cost(g, outs) : fwd);
  double kernel_ms = 0;
  for (const OpTime& o : ops) kernel_ms += o.ms;
  auto pct = [&](double ms) { return kernel_ms > 0 ? 100 * ms / kernel_ms : 0.0; };
  if (a.flag("json")) {
    nlohmann::json j = {{"model", m.spec},
                        {"backend", backend->name()},
                        {"precision", precision_name(precision)},
                        {"size", {h, w}},
                        {"batch", batch},
                        {"train", train},
                        {"threads", cpu::threads()},
                        {"device", device_name(*backend)},
                        {"median_ms", median},
                        {"ms_per_image", median / batch},
                        {"cold_ms", cold_ms},
                        {"open_ms", open_ms},
                        {"compile_ms", compile_ms},
                        {"pipeline_ms", prog->pipeline_ms()},
                        {"first_run_ms", first_run_ms},
                        {"min_ms", times.front()},
                        {"max_ms", times.back()},
                        {"peak_bytes", peak},
                        {"params_trainable", fwd.trainable},
                        {"forward_flops", fwd.flops},
                        {"gflops_per_s", flops / (median * 1e6)}};
    if (per_op) {
      nlohmann::json arr = nlohmann::json::array();
      for (const OpTime& o : ops)
        arr.push_back({{"op", o.op},
                       {"ms", o.ms},
                       {"percent", pct(o.ms)},
                       {"count", o.count},
                       {"gflops_per_s", o.ms > 0 ? o.flops / (o.ms * 1e6) : 0.0}});
      j["per_op"] = arr;
      j["kernel_ms"] = kernel_ms;
    }
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s  %s%s (%s)  batch %d  %dx%d  %s\n", m.spec.c_str(), backend->name().c_str(),
                precision == Precision::Fp16 ? " fp16" : "", device_name(*backend).c_str(), batch,
                h, w, train ? "training step" : "inference");
    std::printf("median %.2f ms (%.2f ms/image)  min %.2f  max %.2f  ~%.1f GFLOP/s\n", median,
                median / batch, times.front(), times.back(), flops / (median * 1e6));
    std::printf(
        "cold %.1f ms (device open %.1f ms, compile %.1f ms of which pipelines %.1f ms, first "
        "run %.1f ms)\n",
        cold_ms, open_ms, compile_ms, prog->pipeline_ms(), first_run_ms);
    std::printf("peak memory %.1f MiB\n", peak / 1048576.0);
    if (per_op && ops.empty())
      std::printf("per-op: the %s backend does not time kernels\n", backend->name().c_str());
    if (!ops.empty()) {
      std::printf("\n%-28s %10s %7s %6s %9s\n", "op", "ms/run", "%", "count", "GFLOP/s");
      for (const OpTime& o : ops)
        std::printf("%-28s %10.3f %6.1f%% %6d %9.1f\n", o.op.c_str(), o.ms, pct(o.ms), o.count,
                    o.ms > 0 ? o.flops / (o.ms * 1e6) : 0.0);
      std::printf("%-28s %10.3f  (kernel time per run, mean of %d profiled runs)\n", "total",
                  kernel_ms, repeat);
    }
  }
  return 0;
}

}  // namespace segrt::app
