#include "graph/autodiff.h"

#include <set>

#include "graph/op_registry.h"

namespace segrt {

std::map<int, int> add_backward(Graph& g, const std::vector<std::pair<int, int>>& seeds,
                                const std::vector<int>& wrt) {
  const int n_nodes = static_cast<int>(g.nodes().size());
  // Values that depend on something in `wrt`: only those need gradients.
  std::vector<char> depends(g.values().size(), 0);
  for (int v : wrt) depends[v] = 1;
  for (int n = 0; n < n_nodes; ++n) {
    const Node& node = g.node(n);
    bool any = false;
    for (int v : node.inputs) any |= depends[v] != 0;
    if (any)
      for (int v : node.outputs) depends[v] = 1;
  }

  std::map<int, int> grad;  // value -> accumulated gradient
  auto accumulate = [&](int v, int dv) {
    if (dv < 0) return;
    if (g.value(dv).shape != g.value(v).shape)
      throw Error("autodiff: gradient of shape " + shape_str(g.value(dv).shape) +
                  " for value of shape " + shape_str(g.value(v).shape));
    auto it = grad.find(v);
    if (it == grad.end())
      grad[v] = dv;
    else
      it->second = g.add1("add", {it->second, dv});
  };
  for (auto& [v, dv] : seeds) accumulate(v, dv);

  for (int n = n_nodes - 1; n >= 0; --n) {
    const Node node = g.node(n);  // copy: adding nodes may reallocate the node list
    bool has_dy = false, needs = false;
    for (int v : node.outputs) has_dy |= grad.count(v) != 0;
    for (int v : node.inputs) needs |= depends[v] != 0;
    if (!has_dy || !needs) continue;
    const OpDef& def = OpRegistry::get().at(node.op);
    if (!def.grad) throw Error("autodiff: op '" + node.op + "' has no gradient rule");
    GradContext ctx{g, node, {}};
    for (int v : node.outputs) ctx.dy.push_back(grad.count(v) ? grad[v] : -1);
    std::vector<int> dx = def.grad(ctx);
    for (size_t i = 0; i < node.inputs.size() && i < dx.size(); ++i)
      if (depends[node.inputs[i]]) accumulate(node.inputs[i], dx[i]);
  }

  std::map<int, int> result;
  for (int v : wrt)
    if (grad.count(v)) result[v] = grad[v];
  return result;
}

}  // namespace segrt
