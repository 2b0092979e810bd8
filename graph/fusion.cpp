#include "graph/fusion.h"

#include <algorithm>
#include <map>

namespace segrt {

std::vector<ConvEpilogue> find_conv_epilogues(const Graph& g, const std::vector<int>& schedule,
                                              const std::vector<int>& keep) {
  // Consumers of each value within the schedule.
  std::map<int, std::vector<int>> users;
  for (int n : schedule)
    for (int v : g.node(n).inputs) users[v].push_back(n);
  auto sole_user = [&](int v) -> int {
    if (std::find(keep.begin(), keep.end(), v) != keep.end()) return -1;
    auto it = users.find(v);
    if (it == users.end() || it->second.size() != 1) return -1;
    return it->second[0];
  };

  std::map<int, size_t> pos;  // node -> place in the schedule
  for (size_t i = 0; i < schedule.size(); ++i) pos[schedule[i]] = i;
  // Position of the node producing v (-1 for inputs, parameters, state).
  auto produced_at = [&](int v) -> long {
    const int p = g.value(v).producer;
    return p < 0 ? -1 : static_cast<long>(pos.at(p));
  };

  std::vector<ConvEpilogue> groups;
  for (int n : schedule) {
    const Node& conv = g.node(n);
    if (conv.op != "conv2d") continue;
    ConvEpilogue e;
    e.conv = n;
    e.nodes = {n};
    int cur = conv.outputs[0];
    const Shape& ys = g.value(cur).shape;
    int next = sole_user(cur);
    if (next >= 0 && g.node(next).op == "batch_norm_infer" && g.node(next).inputs[0] == cur) {
      e.bn = next;
      e.nodes.push_back(next);
      cur = g.node(next).outputs[0];
      next = sole_user(cur);
    }
    if (next >= 0 && g.node(next).op == "add") {
      const Node& a = g.node(next);
      const int other = a.inputs[0] == cur ? a.inputs[1] : a.inputs[0];
      // Same shape on both sides (no broadcasting), not the value itself twice, and a residual
      // computed before the conv: when two conv chains meet at an add, the later one takes it.
      if (other != cur && g.value(other).shape == ys && g.value(a.outputs[0]).shape == ys &&
          produced_at(other) < static_cast<long>(pos.at(n))) {
        e.add = next;
        e.residual = other;
        e.nodes.push_back(next);
        cur = a.outputs[0];
        next = sole_user(cur);
      }
    }
    if (next >= 0) {
      const Node& a = g.node(next);
      if (a.op == "relu" || a.op == "leaky_relu" || a.op == "sigmoid") {
        e.act = next;
        e.act_op = a.op;
        e.alpha = a.op == "leaky_relu" ? a.attrs.f("alpha", 0.01) : 0.0;
        e.nodes.push_back(next);
        cur = a.outputs[0];
      }
    }
    e.output = cur;
    if (e.nodes.size() > 1) groups.push_back(std::move(e));
  }
  return groups;
}

std::vector<std::vector<int>> fused_steps(const std::vector<int>& schedule,
                                          const std::vector<ConvEpilogue>& groups) {
  std::map<int, const ConvEpilogue*> head;
  std::map<int, bool> member;
  for (const ConvEpilogue& e : groups) {
    head[e.conv] = &e;
    for (int n : e.nodes) member[n] = true;
  }
  std::vector<std::vector<int>> steps;
  for (int n : schedule) {
    if (head.count(n))
      steps.push_back(head[n]->nodes);
    else if (!member.count(n))
      steps.push_back({n});
  }
  return steps;
}

}  // namespace segrt
