// Graph IR, autodiff and memory-plan tests.
#include <doctest/doctest.h>

#include <set>

#include "graph/autodiff.h"
#include "graph/models/zoo.h"
#include "graph/op_registry.h"
#include "graph/training.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/memory_plan.h"

namespace segrt {

TEST_CASE("graph: shape inference runs when a node is added and rejects bad shapes") {
  Graph g;
  int x = g.add_input("x", {2, 3, 8, 8});
  int w = g.add_param("w", {4, 3, 3, 3}, Init{}, true, true);
  int y = g.add1("conv2d", {x, w}, {{"pad", Shape{1, 1}}, {"stride", Shape{2, 2}}});
  CHECK(g.value(y).shape == Shape{2, 4, 4, 4});
  int bad = g.add_param("w2", {4, 5, 3, 3}, Init{});
  CHECK_THROWS_AS(g.add1("conv2d", {x, bad}), Error);
  CHECK_THROWS_WITH_AS(g.add1("no_such_op", {x}), doctest::Contains("unknown op"), Error);
  CHECK_THROWS_AS(g.add1("add", {x}), Error);  // arity
  CHECK(g.find("w") == w);
  CHECK(g.params() == std::vector<int>{w, bad});
  CHECK(g.dump().find("conv2d") != std::string::npos);
}

TEST_CASE("graph: schedule keeps only the nodes the outputs need, in order") {
  Graph g;
  int x = g.add_input("x", {4});
  int a = g.add1("relu", {x});
  int b = g.add1("sigmoid", {x});  // not needed below
  int c = g.add1("scale", {a}, {{"s", 2.0}});
  auto s = g.schedule({c});
  CHECK(s == std::vector<int>{g.value(a).producer, g.value(c).producer});
  CHECK(g.schedule({b}).size() == 1);
}

TEST_CASE("autodiff: gradients accumulate over fan-out and skip values the loss ignores") {
  Graph g;
  int x = g.add_input("x", {3});
  int u = g.add_input("u", {3});  // the output does not depend on u
  int y = g.add1("mul", {x, x});  // x used twice by one node
  int z = g.add1("add", {y, x});  // and once more
  int dz = g.add_input("dz", {3});
  auto gm = add_backward(g, {{z, dz}}, {x, u});
  REQUIRE(gm.count(x) == 1);
  CHECK(gm.count(u) == 0);
  cpu::CpuProgram<double> p(g, {gm[x]});
  double xs[3] = {1, -2, 0.5}, ds[3] = {1, 2, 3};
  std::copy(xs, xs + 3, p.data(x));
  std::copy(ds, ds + 3, p.data(dz));
  p.run();
  for (int i = 0; i < 3; ++i) CHECK(p.data(gm[x])[i] == doctest::Approx(ds[i] * (2 * xs[i] + 1)));
}

TEST_CASE("memory plan: values alive at once never overlap, dead ones are reused") {
  Graph g = build_model("oru-net", 2, Mode::Train, 3, 32, 32);
  int logits = g.outputs().at(0);
  TrainGraph t =
      add_training(g, logits, "sigmoid", LossSpec::parse("bce+dice"), OptimSpec::parse("adam"));
  std::vector<int> outs = t.updates;
  outs.push_back(t.loss);
  auto sched = g.schedule(outs);
  MemoryPlan plan = plan_memory(g, sched, outs);
  // Live ranges [def, last use] per activation, then a pairwise overlap check.
  std::vector<int> def(g.values().size(), -1), last(g.values().size(), -1);
  for (int s = 0; s < int(sched.size()); ++s) {
    for (int v : g.node(sched[s]).outputs) def[v] = last[v] = s;
    for (int v : g.node(sched[s]).inputs) last[v] = std::max(last[v], s);
  }
  for (int v : outs) last[v] = int(sched.size());
  std::vector<int> acts;
  int64_t total = 0;
  for (auto& v : g.values())
    if (def[v.id] >= 0) {
      acts.push_back(v.id);
      total += numel(v.shape);
      REQUIRE(plan.offset[v.id] >= 0);
      CHECK(plan.offset[v.id] + numel(v.shape) <= plan.arena_elems);
    }
  int overlaps = 0;
  for (size_t i = 0; i < acts.size(); ++i)
    for (size_t j = i + 1; j < acts.size(); ++j) {
      int a = acts[i], b = acts[j];
      bool live_together = def[a] <= last[b] && def[b] <= last[a];
      bool mem = plan.offset[a] < plan.offset[b] + numel(g.value(b).shape) &&
                 plan.offset[b] < plan.offset[a] + numel(g.value(a).shape);
      overlaps += live_together && mem;
    }
  CHECK(overlaps == 0);
  CHECK(plan.arena_elems < total);  // reuse happened
}

TEST_CASE("training graph: loss and optimizer specs parse, and bad ones are refused") {
  auto l = LossSpec::parse("0.8*focal:gamma=1,alpha=0.25+0.2*log_dice:smooth=100");
  REQUIRE(l.terms.size() == 2);
  CHECK(l.terms[0].weight == doctest::Approx(0.8));
  CHECK(l.terms[1].attrs.f("smooth") == 100);
  CHECK_THROWS_WITH_AS(LossSpec::parse("bce+nope"), doctest::Contains("unknown loss"), Error);
  CHECK_THROWS_AS(LossSpec::parse("x*dice"), Error);
  CHECK(OptimSpec::parse("sgd:momentum=0.9,nesterov=1").attrs.f("momentum") == 0.9);
  CHECK_THROWS_WITH_AS(OptimSpec::parse("rmsprop"), doctest::Contains("unknown optimizer"), Error);
  // wd reaches the update ops as their weight_decay.
  for (auto [spec, wd] : {std::pair{"sgd:momentum=0.9,wd=1e-4", 1e-4}, {"adamw:wd=1e-3", 1e-3}}) {
    Graph g;
    const int x = g.add_input("x", {2, 1, 4, 4});
    const int w = g.add_param("w", {1, 1, 1, 1}, Init{.kind = "const", .value = 1});
    TrainGraph t = add_training(g, g.add1("mul", {x, w}), "sigmoid", LossSpec::parse("bce"),
                                OptimSpec::parse(spec));
    REQUIRE(t.updates.size() == 1);
    CHECK(g.node(g.value(t.updates[0]).producer).attrs.f("weight_decay") == wd);
  }
}

TEST_CASE("backends: absent ones are refused with a clear message") {
#ifndef SEGRT_HAVE_VULKAN
  CHECK_THROWS_WITH_AS(make_backend("vulkan"), doctest::Contains("not part of this build"), Error);
#endif
  CHECK_THROWS_WITH_AS(make_backend("cuda"), doctest::Contains("not part of this build"), Error);
  CHECK_THROWS_WITH_AS(make_backend("tpu"), doctest::Contains("unknown backend"), Error);
}

}  // namespace segrt
