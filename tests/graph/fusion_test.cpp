// Inference fusion analysis (graph/fusion.h) and the memory plan of fused steps.
#include "graph/fusion.h"

#include <doctest/doctest.h>

#include <set>

#include "graph/models/zoo.h"
#include "runtime/memory_plan.h"

namespace segrt {
namespace {

struct Chain {
  Graph g;
  int x, res, c1, bn1, add1, relu1, c2;
};

// res = relu(conv0(x)); y = relu(bn(conv1(res)) + res); z = conv2(y) read twice.
Chain chain() {
  Chain t;
  Graph& g = t.g;
  t.x = g.add_input("x", {1, 4, 6, 6});
  auto conv = [&](int in, const std::string& n) {
    int w = g.add_param(n + ".w", {4, 4, 3, 3}, Init{});
    int b = g.add_param(n + ".b", {4}, Init{});
    return g.add1("conv2d", {in, w, b}, {{"pad", Shape{1, 1}}}, n);
  };
  t.res = g.add1("relu", {conv(t.x, "conv0")});
  t.c1 = conv(t.res, "conv1");
  std::vector<int> bnp;
  for (auto n : {"gamma", "beta", "mean", "var"}) bnp.push_back(g.add_param(n, {4}, Init{}));
  t.bn1 = g.add1("batch_norm_infer", {t.c1, bnp[0], bnp[1], bnp[2], bnp[3]});
  t.add1 = g.add1("add", {t.bn1, t.res});
  t.relu1 = g.add1("relu", {t.add1});
  t.c2 = conv(t.relu1, "conv2");
  int u = g.add1("sigmoid", {t.c2});
  int v = g.add1("tanh", {t.c2});
  g.set_outputs({g.add1("add", {u, v})});
  return t;
}

}  // namespace

TEST_CASE("fusion: conv -> batch norm -> residual add -> activation is one group") {
  Chain t = chain();
  const Graph& g = t.g;
  auto sched = g.schedule(g.outputs());
  auto groups = find_conv_epilogues(g, sched, g.outputs());
  REQUIRE(groups.size() == 2);
  // conv0 + relu.
  CHECK(groups[0].act_op == "relu");
  CHECK(groups[0].bn == -1);
  CHECK(groups[0].output == t.res);
  // conv1 + bn + add(res) + relu: the residual is computed before conv1.
  const ConvEpilogue& e = groups[1];
  CHECK(e.conv == g.value(t.c1).producer);
  CHECK(e.bn == g.value(t.bn1).producer);
  CHECK(e.add == g.value(t.add1).producer);
  CHECK(e.residual == t.res);
  CHECK(e.act_op == "relu");
  CHECK(e.output == t.relu1);
  CHECK(e.nodes.size() == 4);
  // conv2's output has two readers: not fused. Keeping an intermediate stops the group there.
  auto kept = find_conv_epilogues(g, sched, {t.bn1});
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].nodes.size() == 1 + 0 + 1);  // conv1 + bn, the add is past a kept value
  CHECK(kept[1].output == t.bn1);
  CHECK(kept[1].add == -1);
}

TEST_CASE(
    "fusion: a fused step's intermediates get no memory, its output never aliases its "
    "inputs") {
  Chain t = chain();
  const Graph& g = t.g;
  auto sched = g.schedule(g.outputs());
  auto groups = find_conv_epilogues(g, sched, g.outputs());
  auto steps = fused_steps(sched, groups);
  CHECK(steps.size() == sched.size() - 1 - 3);
  MemoryPlan p = plan_memory_steps(g, steps, g.outputs());
  CHECK(p.offset[t.c1] == -1);
  CHECK(p.offset[t.bn1] == -1);
  CHECK(p.offset[t.add1] == -1);
  REQUIRE(p.offset[t.relu1] >= 0);
  REQUIRE(p.offset[t.res] >= 0);
  // relu1 is written while res (the residual) is read: disjoint.
  const int64_t n = numel(g.value(t.res).shape);
  CHECK((p.offset[t.relu1] + n <= p.offset[t.res] || p.offset[t.res] + n <= p.offset[t.relu1]));
}

TEST_CASE("fusion: ResU-Net and ORU-Net inference graphs fuse their conv epilogues") {
  for (const char* spec : {"resunet", "oru-net"}) {
    Graph g = build_model(spec, 1, Mode::Infer, 1, 64, 64);
    auto groups = find_conv_epilogues(g, g.schedule(g.outputs()), g.outputs());
    INFO(spec);
    CHECK(groups.size() >= 5);
    std::set<int> seen;
    for (auto& e : groups)
      for (int n : e.nodes) CHECK(seen.insert(n).second);  // groups are disjoint
  }
}

}  // namespace segrt
