// segrt info MODEL, segrt models.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/model_source.h"
#include "graph/cost.h"
#include "graph/models/zoo.h"

namespace segrt::app {

int cmd_info(const Argv& argv) {
  Args a("segrt info", "segrt info MODEL [--json] [--size HxW] [--in C] [--dump]",
         {{"json", "", "print one JSON object"},
          {"size", "HxW", "input size (default: the model's, or the file's training size)"},
          {"in", "C", "input channels (default: the model's)"},
          {"dump", "", "print the graph IR"}});
  if (!a.parse(argv)) return 0;
  if (a.positional().size() != 1) throw Error("segrt info: expected one MODEL\n" + a.usage());
  ModelSource m = open_model(a.positional()[0]);
  int h = m.info_int("data.height", 0), w = m.info_int("data.width", 0);
  if (a.has("size")) std::tie(h, w) = a.size("size");
  const int in = a.has("in") ? a.integer("in", 1) : m.info_int("data.channels", 0);
  Graph g = build_model(m.spec, 1, Mode::Infer, in, h, w);
  GraphCost c = graph_cost(g);
  if (a.flag("dump")) std::fputs(g.dump().c_str(), stdout);
  if (a.flag("json")) {
    nlohmann::json j;
    j["model"] = m.spec;
    j["input"] = g.value(g.get("image")).shape;
    j["output"] = g.value(g.outputs().at(0)).shape;
    j["head"] = g.meta["head"];
    j["params_trainable"] = c.trainable;
    j["params_non_trainable"] = c.non_trainable;
    j["flops"] = c.flops;
    j["activation_bytes"] = c.activation_bytes;
    j["peak_activation_bytes"] = c.peak_bytes;
    nlohmann::json layers = nlohmann::json::array();
    for (auto& l : c.layers)
      layers.push_back({{"name", l.name},
                        {"op", l.op},
                        {"output", l.out},
                        {"params", l.params},
                        {"flops", l.flops}});
    j["layers"] = layers;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("model  %s%s\ninput  %s  output %s  head %s\n\n", m.spec.c_str(),
              m.from_file ? "  (trained weights)" : "",
              shape_str(g.value(g.get("image")).shape).c_str(),
              shape_str(g.value(g.outputs().at(0)).shape).c_str(), g.meta["head"].c_str());
  std::fputs(cost_table(c).c_str(), stdout);
  return 0;
}

int cmd_models(const Argv& argv) {
  Args a("segrt models", "segrt models", {});
  if (!a.parse(argv)) return 0;
  std::fputs(describe_models().c_str(), stdout);
  return 0;
}

}  // namespace segrt::app
