// sgd_update and adam_update: a few steps against values worked out from the update rules, and
// whole training steps (forward, autodiff, update in one graph) minimising a quadratic.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <functional>

#include "graph/autodiff.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/train/schedule.h"

namespace segrt::test {
namespace {

using V3 = std::array<double, 3>;

// One update op over a 3-element parameter, its state zero-initialised; grads fed per step.
struct Stepper {
  Graph g;
  int p = -1, grad = -1, hyper = -1, out = -1;
  std::vector<int> state;
  std::unique_ptr<cpu::CpuProgram<double>> prog;
  int t = 0;

  Stepper(const std::string& op, const Attrs& attrs, const V3& p0) {
    p = g.add_param("w", {3}, Init{});
    grad = g.add_input("grad", {3});
    const int n_state = op == "sgd_update" ? 1 : 2;
    for (int i = 0; i < n_state; ++i)
      state.push_back(g.add_param("state" + std::to_string(i), {3}, Init{}, false));
    hyper = g.add_input("hyper", {2});
    std::vector<int> ins{p, grad};
    ins.insert(ins.end(), state.begin(), state.end());
    ins.push_back(hyper);
    out = g.add1(op, ins, attrs);
    prog = std::make_unique<cpu::CpuProgram<double>>(g, std::vector<int>{out});
    std::copy(p0.begin(), p0.end(), prog->data(p));
  }
  // One step with gradient `gr` at learning rate `lr`; returns the output (sum of squares of
  // the parameter change).
  double step(const V3& gr, double lr) {
    std::copy(gr.begin(), gr.end(), prog->data(grad));
    prog->data(hyper)[0] = lr;
    prog->data(hyper)[1] = ++t;
    prog->run();
    return prog->data(out)[0];
  }
  V3 param() const { return {prog->data(p)[0], prog->data(p)[1], prog->data(p)[2]}; }
  V3 st(int i) const {
    const double* s = prog->data(state.at(i));
    return {s[0], s[1], s[2]};
  }
};

void check_near(const V3& got, const V3& want, double eps = 1e-10) {
  for (int i = 0; i < 3; ++i) {
    INFO("element " << i << ": got " << got[i] << " want " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= eps * std::max(1.0, std::abs(want[i])));
  }
}

const V3 kP0{1, 2, 3};
const V3 kG{1, -2, 0.5};

}  // namespace

TEST_CASE("sgd_update: plain, momentum, nesterov and weight decay by hand") {
  SUBCASE("plain: p -= lr g; output = |lr g|^2") {
    Stepper s("sgd_update", {}, kP0);
    CHECK(s.step(kG, 0.1) == doctest::Approx(0.01 * (1 + 4 + 0.25)));
    check_near(s.param(), {0.9, 2.2, 2.95});
  }
  SUBCASE("momentum 0.9, constant g: steps are 1, 1.9, 2.71 times g") {
    Stepper s("sgd_update", {{"momentum", 0.9}}, kP0);
    for (int i = 0; i < 3; ++i) s.step(kG, 0.1);
    // p0 - 0.1 * (1 + 1.9 + 2.71) g = p0 - 0.561 g
    check_near(s.param(), {0.439, 3.122, 2.7195});
    check_near(s.st(0), {2.71, -5.42, 1.355});
  }
  SUBCASE("nesterov: steps are g + 0.9 buf = 1.9, 2.71, 3.439 times g") {
    Stepper s("sgd_update", {{"momentum", 0.9}, {"nesterov", int64_t(1)}}, kP0);
    for (int i = 0; i < 3; ++i) s.step(kG, 0.1);
    // p0 - 0.1 * (1.9 + 2.71 + 3.439) g = p0 - 0.8049 g
    check_near(s.param(), {0.1951, 3.6098, 2.59755});
  }
  SUBCASE("coupled weight decay alone shrinks p by (1 - lr wd) per step") {
    Stepper s("sgd_update", {{"weight_decay", 0.1}}, kP0);
    for (int i = 0; i < 3; ++i) s.step({0, 0, 0}, 0.1);
    const double f = 0.99 * 0.99 * 0.99;
    check_near(s.param(), {f, 2 * f, 3 * f});
  }
}

TEST_CASE("adam_update: Adam, Adam + L2 and AdamW by hand") {
  const V3 g1{1, -2, 0.5}, g2{-1, 1, 0.5}, g3{0.5, 0.5, -2};
  SUBCASE("Adam, eps 1e-7: the first step moves each element by lr / (1 + eps / |g|)") {
    Stepper s("adam_update", {}, kP0);
    s.step(g1, 0.01);
    check_near(s.param(), {1 - 0.01 / (1 + 1e-7), 2 + 0.01 / (1 + 0.5e-7), 3 - 0.01 / (1 + 2e-7)});
    check_near(s.st(0), {0.1, -0.2, 0.05});
    check_near(s.st(1), {0.001, 0.004, 0.00025});
    // Step 2: m = 0.09 g1 + 0.1 g2 = (-0.01, -0.08, 0.095); v = 0.000999 g1^2 + 0.001 g2^2;
    // m^ = m / 0.19, v^ = v / 0.001999 = (1, 2.49925, 0.25).
    s.step(g2, 0.01);
    const V3 m{-0.01, -0.08, 0.095}, vh{1, 0.004996 / 0.001999, 0.25};
    const V3 p1 = {1 - 0.01 / (1 + 1e-7), 2 + 0.01 / (1 + 0.5e-7), 3 - 0.01 / (1 + 2e-7)};
    V3 p2;
    for (int i = 0; i < 3; ++i) p2[i] = p1[i] - 0.01 * (m[i] / 0.19) / (std::sqrt(vh[i]) + 1e-7);
    check_near(s.param(), p2);
    check_near(s.param(), {0.990526316737, 2.01266336973, 2.980000004}, 1e-11);
    s.step(g3, 0.01);
    check_near(s.param(), {0.988779061597, 2.01327725831, 2.98344833963}, 1e-11);
    check_near(s.st(1), {0.002247001, 0.005241004, 0.00449925025});
  }
  SUBCASE("Adam + L2 (coupled, wd 0.1): g += 0.1 p before the moments") {
    Stepper s("adam_update", {{"weight_decay", 0.1}}, kP0);
    s.step(g1, 0.01);
    check_near(s.st(0), {0.11, -0.18, 0.08});  // 0.1 * (g1 + 0.1 p0)
    s.step(g2, 0.01);
    s.step(g3, 0.01);
    check_near(s.param(), {0.986720668966, 2.01053064721, 2.9810475798}, 1e-11);
  }
  SUBCASE("AdamW (decoupled, wd 0.1): p *= 1 - lr wd, moments from the raw gradient") {
    Stepper s("adam_update", {{"weight_decay", 0.1}, {"decoupled", int64_t(1)}}, kP0);
    s.step(g1, 0.01);
    check_near(s.param(),
               {0.999 - 0.01 / (1 + 1e-7), 1.998 + 0.01 / (1 + 0.5e-7), 2.997 - 0.01 / (1 + 2e-7)});
    check_near(s.st(0), {0.1, -0.2, 0.05});
    s.step(g2, 0.01);
    s.step(g3, 0.01);
    check_near(s.param(), {0.985801524279, 2.00726060294, 2.97448732662}, 1e-11);
  }
  SUBCASE("eps is an attribute: a large eps damps the step") {
    Stepper s("adam_update", {{"eps", 1.0}}, kP0);
    s.step(g1, 0.01);
    check_near(s.param(), {1 - 0.01 / 2, 2 + 0.01 * 2 / 3, 3 - 0.01 * 0.5 / 1.5});
  }
  SUBCASE("step 0 is refused") {
    Stepper s("adam_update", {}, kP0);
    s.t = -1;  // the next step feeds t = 0
    CHECK_THROWS_WITH_AS(s.step(g1, 0.01), doctest::Contains("must be >= 1"), Error);
  }
}

TEST_CASE("update ops refuse bad shapes and attributes") {
  Graph g;
  int p = g.add_param("w", {4}, Init{}), gr = g.add_input("g", {4}), b = g.add_input("b", {3});
  int h = g.add_input("h", {2}), h1 = g.add_input("h1", {1});
  CHECK_THROWS_WITH_AS(g.add1("sgd_update", {p, gr, b, h}), doctest::Contains("momentum_buf [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(g.add1("sgd_update", {p, gr, gr, h1}),
                       doctest::Contains("hyper must be [2]"), Error);
  CHECK_THROWS_WITH_AS(g.add1("sgd_update", {p, gr, gr, h}, {{"nesterov", int64_t(1)}}),
                       doctest::Contains("nesterov needs momentum"), Error);
  CHECK_THROWS_WITH_AS(g.add1("sgd_update", {p, gr, gr, h}, {{"lr", 0.1}}),
                       doctest::Contains("unknown attribute 'lr'"), Error);
  CHECK_THROWS_WITH_AS(g.add1("adam_update", {p, gr, gr, gr, h}, {{"beta2", 1.0}}),
                       doctest::Contains("beta1 and beta2"), Error);
  CHECK_THROWS_WITH_AS(g.add1("adam_update", {p, gr, gr, gr, h}, {{"eps", 0.0}}),
                       doctest::Contains("eps must be > 0"), Error);
  CHECK(g.value(g.add1("adam_update", {p, gr, gr, gr, h})).shape == Shape{1});
}

namespace {

// One training step as one graph: loss = 0.5 sum a (p - c)^2, its gradient by autodiff, and the
// update. Returns the parameter after `steps` runs, the learning rate taken from `lr(step)`.
V3 minimise(const std::string& op, const Attrs& attrs, int steps,
            const std::function<double(int)>& lr) {
  Graph g;
  const V3 a{1, 4, 0.25}, c{0.5, -1, 2};
  int p = g.add_param("w", {3}, Init{});
  int ci = g.add_input("c", {3}), ai = g.add_input("a", {3});
  int d = g.add1("sub", {p, ci});
  int loss = g.add1(
      "scale",
      {g.add1("reduce_to", {g.add1("mul", {g.add1("mul", {d, d}), ai})}, {{"shape", Shape{1}}})},
      {{"s", 0.5}});
  int one = g.add1("fill", {}, {{"shape", Shape{1}}, {"value", 1.0}});
  int gp = add_backward(g, {{loss, one}}, {p}).at(p);
  std::vector<int> ins{p, gp, g.add_param("m", {3}, Init{}, false)};
  if (op == "adam_update") ins.push_back(g.add_param("v", {3}, Init{}, false));
  int hyper = g.add_input("hyper", {2});
  ins.push_back(hyper);
  int upd = g.add1(op, ins, attrs);
  auto prog = make_backend("cpu")->compile(g, {loss, upd});
  prog->write(p, std::vector<float>{3, 3, -3});
  prog->write(ci, std::vector<float>(c.begin(), c.end()));
  prog->write(ai, std::vector<float>(a.begin(), a.end()));
  double first = 0, last = 0;
  for (int t = 1; t <= steps; ++t) {
    prog->write(hyper, std::vector<float>{float(lr(t - 1)), float(t)});
    prog->run();
    last = prog->read(loss)[0];
    if (t == 1) first = last;
  }
  // With weight decay the data term stays positive at the (shrunk) optimum.
  if (!attrs.has("weight_decay")) CHECK(last < 1e-4 * first);
  auto w = prog->read(p);
  return {w[0], w[1], w[2]};
}

}  // namespace

TEST_CASE("training steps as graphs minimise a quadratic") {
  const V3 c{0.5, -1, 2};
  auto constant = [](double v) { return [v](int) { return v; }; };
  check_near(minimise("sgd_update", {}, 300, constant(0.3)), c, 1e-4);
  check_near(minimise("sgd_update", {{"momentum", 0.9}}, 300, constant(0.1)), c, 1e-4);
  check_near(
      minimise("sgd_update", {{"momentum", 0.9}, {"nesterov", int64_t(1)}}, 300, constant(0.1)), c,
      1e-4);
  // Coupled weight decay minimises 0.5 a (p - c)^2 + 0.5 wd p^2: p* = a c / (a + wd).
  const V3 shrunk{0.5 / 1.5, -4.0 / 4.5, 0.5 / 0.75};
  check_near(minimise("sgd_update", {{"momentum", 0.9}, {"weight_decay", 0.5}}, 300, constant(0.1)),
             shrunk, 1e-4);
  // Adam oscillates at the scale of lr: a cosine schedule takes lr to ~0.
  CosineLr cos(0.1, 400, 0);
  auto sched = [&](int t) { return cos.lr(t); };
  check_near(minimise("adam_update", {}, 400, sched), c, 1e-3);
  check_near(minimise("adam_update", {{"weight_decay", 0.5}}, 400, sched), shrunk, 1e-3);
}

}  // namespace segrt::test
