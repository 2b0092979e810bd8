#include "graph/cost.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "graph/op_registry.h"
#include "runtime/memory_plan.h"

namespace segrt {

static int64_t dtype_bytes(DType t) {
  return t == DType::F32 ? 4 : 2;
}

GraphCost graph_cost(const Graph& g, std::vector<int> outputs) {
  if (outputs.empty()) outputs = g.outputs();
  GraphCost c;
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::Param) c.trainable += numel(v.shape);
    if (v.kind == ValueKind::State) c.non_trainable += numel(v.shape);
  }
  std::vector<int> schedule = g.schedule(outputs);
  std::set<int> seen_params;
  for (int id : schedule) {
    const Node& n = g.node(id);
    const OpDef& def = OpRegistry::get().at(n.op);
    LayerCost l;
    l.name = n.name;
    if (l.name.empty()) l.name.append("%").append(std::to_string(id));
    l.op = n.op;
    std::vector<Shape> in, out;
    for (int v : n.inputs) {
      const Value& x = g.value(v);
      in.push_back(x.shape);
      if ((x.kind == ValueKind::Param || x.kind == ValueKind::State) &&
          seen_params.insert(v).second)
        l.params += numel(x.shape);
    }
    for (int v : n.outputs) {
      out.push_back(g.value(v).shape);
      c.activation_bytes += numel(g.value(v).shape) * dtype_bytes(g.value(v).dtype);
    }
    if (!out.empty()) l.out = out[0];
    l.flops = def.flops ? def.flops(in, out, n.attrs) : double(out.empty() ? 0 : numel(out[0]));
    c.flops += l.flops;
    c.layers.push_back(std::move(l));
  }
  // f32 arena elements; close enough for f16 graphs, which we do not build yet.
  c.peak_bytes = plan_memory(g, schedule, outputs).arena_elems * 4;
  return c;
}

std::string group_digits(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) r += ',';
    r += s[i];
  }
  return (v < 0 ? "-" : "") + r;
}

std::string si(double v) {
  const char* units[] = {"", "K", "M", "G", "T", "P"};
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  char b[32];
  std::snprintf(b, sizeof b, u ? "%.2f %s" : "%.0f%s", v, units[u]);
  return b;
}

std::string cost_table(const GraphCost& c) {
  size_t wn = 5, wo = 2, ws = 5;
  for (auto& l : c.layers) {
    wn = std::max(wn, l.name.size());
    wo = std::max(wo, l.op.size());
    ws = std::max(ws, shape_str(l.out).size());
  }
  std::string r;
  char b[512];
  auto row = [&](const std::string& a, const std::string& o, const std::string& s,
                 const std::string& p, const std::string& f) {
    std::snprintf(b, sizeof b, "%-*s  %-*s  %-*s  %12s  %10s\n", int(wn), a.c_str(), int(wo),
                  o.c_str(), int(ws), s.c_str(), p.c_str(), f.c_str());
    r += b;
  };
  row("layer", "op", "output", "params", "FLOPs");
  for (auto& l : c.layers)
    row(l.name, l.op, shape_str(l.out), l.params ? group_digits(l.params) : "", si(l.flops));
  r += "\nparameters: " + group_digits(c.trainable + c.non_trainable) + " (" +
       group_digits(c.trainable) + " trainable, " + group_digits(c.non_trainable) +
       " non-trainable)\n";
  r += "FLOPs: " + si(c.flops) + "\n";
  r += "activations: " + si(double(c.activation_bytes)) + "B produced, " +
       si(double(c.peak_bytes)) + "B peak (memory plan)\n";
  return r;
}

}  // namespace segrt
