// One whole ORU-Net training step (forward, loss, backward, optimizer updates) on Vulkan against
// the CPU from identical inputs and parameters: the loss, every parameter gradient, and the
// parameters and state after the step. Skipped, saying which op is missing, while the Vulkan
// backend lacks an op of the step.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "graph/init.h"
#include "graph/models/zoo.h"
#include "graph/training.h"
#include "runtime/backend.h"
#include "runtime/philox.h"

namespace segrt::test {
namespace {

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

// Normalised MSE, the reference's mean square floored at floor_ms: gradients of biases that
// feed a batch norm are zero up to rounding, and their rounding noise differs by backend.
double nmse(const std::vector<float>& got, const std::vector<float>& ref, double floor_ms) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = double(got[i]) - double(ref[i]);
    num += d * d;
    den += double(ref[i]) * double(ref[i]);
  }
  den = std::max(den, floor_ms * double(ref.size()));
  return den > 0 ? num / den : num;
}

double mean_square(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return v.empty() ? 0 : s / double(v.size());
}

// Compares each (label, got, ref) of a family of like values (all gradients, all momentum
// buffers...): nmse <= 5e-4, with the floor at 1e-4 of the family's largest mean square (an
// rms of 1% of it).
struct Family {
  std::vector<std::tuple<std::string, std::vector<float>, std::vector<float>>> items;
  void check() const {
    double top = 0;
    for (auto& [l, got, ref] : items) top = std::max(top, mean_square(ref));
    for (auto& [label, got, ref] : items) {
      const double e = nmse(got, ref, 1e-4 * top);
      INFO(label << ": nmse " << e);
      CHECK(all_finite(got));
      CHECK(e <= 5e-4);
    }
  }
};

// Deterministic values for every input of the step: the image U(-1, 1), a binary target,
// hyper = [lr, step 1], the dropout key.
std::vector<float> input_value(const Graph& g, int v, const TrainGraph& tg, double lr) {
  const Value& val = g.value(v);
  std::vector<float> d(static_cast<size_t>(numel(val.shape)));
  if (v == tg.hyper) return {static_cast<float>(lr), 1.0f};
  for (size_t i = 0; i < d.size(); ++i) {
    const double u = philox_uniform(static_cast<uint64_t>(v) + 17, 0x7a1u, i);
    d[i] = v == tg.target ? (u < 0.3 ? 1.0f : 0.0f) : static_cast<float>(2 * u - 1);
  }
  if (val.name == "rng_key") d.assign(d.size(), 5.0f);
  return d;
}

// Runs `steps` training steps of `g` (extended by add_training into `tg`) on the CPU and on
// Vulkan from the same parameters and inputs and compares the loss, every parameter gradient
// (of the last step), the parameters' change and the state. Skips, naming the ops, when Vulkan
// lacks some.
void check_step(const Graph& g, const TrainGraph& tg, const std::string& what, int steps) {
  // Each update node reads (param, grad, ...): its grad input is the parameter's gradient.
  std::vector<int> wanted = tg.updates, grads, params;
  wanted.push_back(tg.loss);
  for (int u : tg.updates) {
    const Node& n = g.node(g.value(u).producer);
    params.push_back(n.inputs.at(0));
    grads.push_back(n.inputs.at(1));
    wanted.push_back(n.inputs.at(1));
  }
  REQUIRE(!grads.empty());

  auto vk = make_backend("vulkan");
  std::string missing;
  for (int n : g.schedule(wanted))
    if (!vk->supports(g.node(n)) && missing.find("'" + g.node(n).op + "'") == std::string::npos)
      missing += (missing.empty() ? "'" : ", '") + g.node(n).op + "'";
  // Every op has a Vulkan kernel: a missing one is a failure, not a skip.
  INFO("vulkan lacks " << missing << " of the " << what << " training step");
  REQUIRE(missing.empty());

  auto cpu = make_backend("cpu");
  auto pc = cpu->compile(g, wanted);
  auto pv = vk->compile(g, wanted);
  const ParamStore store = init_params(g, 3);
  const double lr = 0.01;
  for (auto& v : g.values()) {
    std::vector<float> d;
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      d = store.at(v.name);
    else if (v.kind == ValueKind::Input)
      d = input_value(g, v.id, tg, lr);
    else
      continue;
    pc->write(v.id, d);
    pv->write(v.id, d);
  }
  for (int step = 1; step <= steps; ++step) {
    const std::vector<float> hyper = {static_cast<float>(lr), static_cast<float>(step)};
    pc->write(tg.hyper, hyper);
    pv->write(tg.hyper, hyper);
    pc->run();
    pv->run();
    const float lc = pc->read(tg.loss).at(0), lv = pv->read(tg.loss).at(0);
    INFO("step " << step << ": loss cpu " << lc << " vulkan " << lv);
    CHECK(std::isfinite(lv));
    CHECK(std::abs(lv - lc) <= 1e-3 * std::max(1.0f, std::abs(lc)));
  }
  Family gfam;
  for (size_t k = 0; k < grads.size(); ++k)
    gfam.items.emplace_back("gradient of " + g.value(params[k]).name, pv->read(grads[k]),
                            pc->read(grads[k]));
  gfam.check();
  // Parameters through the change the steps applied (they barely move), and the state by
  // family (name suffix: momentum, m, v, running mean/var).
  std::map<std::string, Family> fams;
  for (auto& v : g.values()) {
    if (v.kind != ValueKind::Param && v.kind != ValueKind::State) continue;
    auto c = pc->read(v.id), w = pv->read(v.id);
    std::string fam = "param change";
    if (v.kind == ValueKind::Param) {
      const auto& before = store.at(v.name);
      for (size_t i = 0; i < c.size(); ++i) c[i] -= before[i], w[i] -= before[i];
    } else {
      fam = v.name.substr(v.name.rfind('.') + 1);
    }
    fams[fam].items.emplace_back(fam + " " + v.name, w, c);
  }
  for (auto& [name, f] : fams) f.check();
}

bool have_vulkan() {
  const auto names = backend_names();
  if (std::find(names.begin(), names.end(), "vulkan") != names.end()) return true;
  MESSAGE("vulkan backend not built or no device: skipped");
  return false;
}

}  // namespace

TEST_CASE("vulkan: one ORU-Net training step matches the CPU") {
  if (!have_vulkan()) return;
  // Adam's eps well above the rounding noise of zero gradients (see nmse), which it would
  // otherwise turn into steps of +-lr.
  for (const char* optim : {"sgd:momentum=0.9", "adam:eps=1e-2"}) {
    INFO("optimizer " << std::string(optim));
    Graph g = build_model("oru-net:out=1,head=sigmoid", 2, Mode::Train, 1, 32);
    const TrainGraph tg = add_training(g, g.outputs().at(0), "sigmoid", LossSpec::parse("bce+dice"),
                                       OptimSpec::parse(optim));
    check_step(g, tg, "ORU-Net", 1);
  }
}

// The loss, the optimizer updates and involution inside whole training steps, with the ops the
// Vulkan backend has today: logits = involution(image, kernel) * w + b, every parameter
// trained; two steps, so the second runs on state the first wrote in place.
TEST_CASE("vulkan: training steps of a small involution model match the CPU") {
  if (!have_vulkan()) return;
  struct Combo {
    const char *head, *loss, *optim;
  };
  for (const Combo& c : {Combo{"sigmoid", "bce+dice", "sgd:momentum=0.9,nesterov=1,wd=1e-3"},
                         Combo{"sigmoid", "0.5*focal+tversky", "adam:eps=1e-2"},
                         Combo{"softmax", "ce+mdice:skip_background=1", "adamw:eps=1e-2"}}) {
    INFO(c.head << " " << c.loss << " " << c.optim);
    Graph g;
    const int x = g.add_input("image", {2, 2, 6, 6});
    const int k = g.add_param("kernel", {2, 9, 6, 6}, Init{.kind = "he_uniform", .fan_in = 9});
    const int w = g.add_param("w", {1, 2, 1, 1}, Init{.kind = "const", .value = 0.8});
    const int b = g.add_param("b", {1, 2, 1, 1}, Init{});
    const int y = g.add1("involution", {x, k}, {{"kernel_size", int64_t{3}}});
    const int logits = g.add1("add", {g.add1("mul", {y, w}), b});
    const TrainGraph tg =
        add_training(g, logits, c.head, LossSpec::parse(c.loss), OptimSpec::parse(c.optim));
    check_step(g, tg, "involution model", 2);
  }
}

}  // namespace segrt::test
