// Per-kernel timing through Program::set_profiling / kernel_times: one entry per kernel run,
// naming its node and op, with finite non-negative times that fit in the run's wall time.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "runtime/backend.h"

#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/timestamps.h"
#include "runtime/vulkan/vulkan_backend.h"
#endif

namespace segrt::test {
namespace {

struct Chain {
  Graph g;
  int x, y, out;
};

// A small chain with a broadcast, a reduction and named and unnamed nodes.
Chain chain() {
  Chain c;
  c.x = c.g.add_input("x", {4, 9});
  c.y = c.g.add_input("y", {1, 9});
  int s = c.g.add1("add", {c.x, c.y}, {}, "sum");
  int r = c.g.add1("sigmoid", {s});
  int t = c.g.add1("mul", {r, c.x}, {}, "gate");
  int u = c.g.add1("reduce_to", {t}, {{"shape", Shape{1, 9}}}, "pool");
  c.out = c.g.add1("scale", {u}, {{"s", 2.0}});
  return c;
}

void fill(Program& p, const Chain& c) {
  std::vector<float> xv(36), yv(9);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = 0.05f * float(i) - 0.9f;
  for (size_t i = 0; i < yv.size(); ++i) yv[i] = 0.2f * float(i) - 0.8f;
  p.write(c.x, xv);
  p.write(c.y, yv);
}

// Runs `p` once and returns its wall time in ms.
double timed_run(Program& p) {
  auto t0 = std::chrono::steady_clock::now();
  p.run();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Entries name the expected (node, op) in order, times are sane and fit in the wall time.
void check_times(const std::vector<Program::KernelTime>& kt,
                 const std::vector<std::pair<std::string, std::string>>& want, double wall_ms) {
  REQUIRE(kt.size() == want.size());
  double sum = 0;
  for (size_t i = 0; i < kt.size(); ++i) {
    INFO("entry " << i << ": " << kt[i].node << " " << kt[i].op << " " << kt[i].kernel);
    CHECK(kt[i].node == want[i].first);
    CHECK(kt[i].op == want[i].second);
    CHECK(!kt[i].kernel.empty());
    CHECK(std::isfinite(kt[i].ms));
    CHECK(kt[i].ms >= 0);
    sum += kt[i].ms;
  }
  CHECK(sum <= wall_ms * 1.5 + 0.5);
}

}  // namespace

TEST_CASE("cpu: profiling gives one wall-clock entry per kernel, and none when off") {
  Chain c = chain();
  auto prog = make_backend("cpu")->compile(c.g, {c.out});
  fill(*prog, c);
  prog->run();
  CHECK(prog->kernel_times().empty());
  prog->set_profiling(true);
  const double wall = timed_run(*prog);
  std::vector<std::pair<std::string, std::string>> want;
  for (int n : c.g.schedule({c.out})) want.push_back({node_label(c.g.node(n)), c.g.node(n).op});
  CHECK(want.at(0).first == "sum");
  CHECK(want.at(1).first.front() == '%');  // unnamed nodes are "%<id>"
  check_times(prog->kernel_times(), want, wall);
  prog->set_profiling(false);
  prog->run();
  CHECK(prog->kernel_times().empty());
}

#ifdef SEGRT_HAVE_VULKAN

TEST_CASE("vulkan: profiling gives one timestamped entry per dispatch naming node and op") {
  if (!vk::vulkan_available()) {
    MESSAGE("no Vulkan device: skipped");
    return;
  }
  Chain c = chain();
  auto prog = make_backend("vulkan")->compile(c.g, {c.out});
  fill(*prog, c);
  prog->run();
  const std::vector<float> plain = prog->read(c.out);
  CHECK(prog->kernel_times().empty());
  if (std::string why = vk::timestamps_unsupported(*vk::Context::get()); !why.empty()) {
    MESSAGE(why << ": skipped");
    CHECK_THROWS_WITH_AS(prog->set_profiling(true), doctest::Contains("cannot time"), Error);
    return;
  }
  prog->set_profiling(true);
  CHECK(prog->kernel_times().empty());  // no timed run yet
  // One entry per dispatch the lowering makes, in schedule order.
  std::vector<std::pair<std::string, std::string>> want;
  for (int n : c.g.schedule({c.out})) {
    const Node& node = c.g.node(n);
    for (size_t k = 0; k < vk::lower(c.g, node).dispatches.size(); ++k)
      want.push_back({node_label(node), node.op});
  }
  for (int rep = 0; rep < 2; ++rep) {
    const double wall = timed_run(*prog);
    check_times(prog->kernel_times(), want, wall);
  }
  CHECK(prog->read(c.out) == plain);  // the re-recorded program computes the same
  prog->set_profiling(false);
  prog->run();
  CHECK(prog->kernel_times().empty());
  CHECK(prog->read(c.out) == plain);
  CHECK(prog->device_bytes() >= prog->arena_bytes() + prog->persistent_bytes());
}

#endif

}  // namespace segrt::test
