// seg_loss against independent naive formulas, hand-computed values, saturated logits, attribute
// errors, and a weighted sum of losses composed in the graph with scale and add.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "graph/autodiff.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

using Vec = std::vector<double>;

// Runs seg_loss (and its gradient) in double on the CPU reference.
struct LossRun {
  double loss;
  Vec grad;
};

LossRun run_loss(const Attrs& attrs, const Shape& shape, const Vec& z, const Vec& t) {
  Graph g;
  int zi = g.add_input("z", shape), ti = g.add_input("t", shape);
  int l = g.add1("seg_loss", {zi, ti}, attrs);
  int dy = g.add_input("dy", {1});
  int dz = add_backward(g, {{l, dy}}, {zi}).at(zi);
  cpu::CpuProgram<double> p(g, {l, dz});
  std::copy(z.begin(), z.end(), p.data(zi));
  std::copy(t.begin(), t.end(), p.data(ti));
  p.data(dy)[0] = 1;
  p.run();
  return {p.data(l)[0], Vec(p.data(dz), p.data(dz) + z.size())};
}

// The same loss in f32 through the backend interface.
std::pair<float, std::vector<float>> run_loss_f32(const Attrs& attrs, const Shape& shape,
                                                  const Vec& z, const Vec& t) {
  Graph g;
  int zi = g.add_input("z", shape), ti = g.add_input("t", shape);
  int l = g.add1("seg_loss", {zi, ti}, attrs);
  int dy = g.add_input("dy", {1});
  int dz = add_backward(g, {{l, dy}}, {zi}).at(zi);
  auto prog = make_backend("cpu")->compile(g, {l, dz});
  prog->write(zi, std::vector<float>(z.begin(), z.end()));
  prog->write(ti, std::vector<float>(t.begin(), t.end()));
  prog->write(dy, std::vector<float>{1.0f});
  prog->run();
  return {prog->read(l)[0], prog->read(dz)};
}

// Naive references written straight from the definitions (no stable forms: moderate logits).
struct Naive {
  Shape shape;
  Vec z, t;
  int64_t n() const { return shape[0]; }
  int64_t k() const { return shape[1]; }
  int64_t s() const { return numel(shape) / (shape[0] * shape[1]); }
  int64_t at(int64_t in, int64_t c, int64_t x) const { return (in * k() + c) * s() + x; }

  Vec probs(bool softmax) const {
    Vec p(z.size());
    if (!softmax) {
      for (size_t i = 0; i < z.size(); ++i) p[i] = 1 / (1 + std::exp(-z[i]));
      return p;
    }
    for (int64_t in = 0; in < n(); ++in)
      for (int64_t x = 0; x < s(); ++x) {
        double sum = 0;
        for (int64_t c = 0; c < k(); ++c) sum += std::exp(z[at(in, c, x)]);
        for (int64_t c = 0; c < k(); ++c) p[at(in, c, x)] = std::exp(z[at(in, c, x)]) / sum;
      }
    return p;
  }

  // Mean over channels c0..K-1 of f(sums of channel c).
  double per_channel(const Vec& p, int64_t c0,
                     const std::function<double(double tp, double fn, double fp, double sp2,
                                                double st2)>& f) const {
    double total = 0;
    for (int64_t c = c0; c < k(); ++c) {
      double tp = 0, fn = 0, fp = 0, sp2 = 0, st2 = 0;
      for (int64_t in = 0; in < n(); ++in)
        for (int64_t x = 0; x < s(); ++x) {
          const double pv = p[at(in, c, x)], tv = t[at(in, c, x)];
          tp += pv * tv;
          fn += (1 - pv) * tv;
          fp += pv * (1 - tv);
          sp2 += pv * pv;
          st2 += tv * tv;
        }
      total += f(tp, fn, fp, sp2, st2);
    }
    return total / double(k() - c0);
  }

  double bce() const {
    Vec p = probs(false);
    double l = 0;
    for (size_t i = 0; i < p.size(); ++i)
      l -= t[i] * std::log(p[i]) + (1 - t[i]) * std::log(1 - p[i]);
    return l / double(p.size());
  }
  double dice(bool softmax, double sm, int64_t c0 = 0) const {
    // sum p = tp + fp, sum t = tp + fn
    return per_channel(probs(softmax), c0, [&](double tp, double fn, double fp, double, double) {
      return 1 - (2 * tp + sm) / ((tp + fp) + (tp + fn) + sm);
    });
  }
  double dice_sq(bool softmax, double sm) const {
    return per_channel(probs(softmax), 0, [&](double tp, double, double, double sp2, double st2) {
      return 1 - (2 * tp + sm) / (sp2 + st2 + sm);
    });
  }
  double log_dice(bool softmax, double sm) const {
    return per_channel(probs(softmax), 0, [&](double tp, double fn, double fp, double, double) {
      return -std::log((2 * tp + sm) / ((tp + fn) + (tp + fp) + sm));
    });
  }
  double tversky(bool softmax, double a, double b, double sm, double gamma = 1) const {
    return per_channel(probs(softmax), 0, [&](double tp, double fn, double fp, double, double) {
      return std::pow(1 - (tp + sm) / (tp + a * fn + b * fp + sm), gamma);
    });
  }
  double focal_sigmoid(double a, double gamma) const {
    Vec p = probs(false);
    double l = 0;
    for (size_t i = 0; i < p.size(); ++i)
      l -= t[i] == 1 ? a * std::pow(1 - p[i], gamma) * std::log(p[i])
                     : (1 - a) * std::pow(p[i], gamma) * std::log(1 - p[i]);
    return l / double(p.size());
  }
  double focal_softmax(double a, double gamma) const {
    Vec p = probs(true);
    double l = 0;
    for (size_t i = 0; i < p.size(); ++i)
      l -= a * t[i] * std::pow(1 - p[i], gamma) * std::log(p[i]);
    return l / double(n() * s());
  }
  double ce() const { return focal_softmax(1, 0); }
};

Naive make_naive(Shape shape, bool one_hot, uint64_t seed) {
  Naive r{shape, Vec(numel(shape)), Vec(numel(shape))};
  for (size_t i = 0; i < r.z.size(); ++i) r.z[i] = uniform(seed, i, -2, 2);
  if (!one_hot) {
    for (size_t i = 0; i < r.t.size(); ++i) r.t[i] = uniform(seed + 1, i, 0, 1) < 0.5 ? 1 : 0;
    return r;
  }
  for (int64_t in = 0; in < r.n(); ++in)
    for (int64_t x = 0; x < r.s(); ++x) {
      int64_t hot = int64_t(uniform(seed + 1, in * r.s() + x, 0, 1) * r.k()) % r.k();
      r.t[r.at(in, hot, x)] = 1;
    }
  return r;
}

}  // namespace

TEST_CASE("seg_loss matches the naive definitions of every kind") {
  const Naive sg = make_naive({2, 2, 3, 3}, false, 5);
  const Naive sm = make_naive({2, 3, 2, 3}, true, 9);
  struct Row {
    const char* what;
    const Naive& in;
    Attrs attrs;
    double want;
  };
  const Row rows[] = {
      {"bce", sg, {{"kind", "bce"}}, sg.bce()},
      {"dice", sg, {{"kind", "dice"}}, sg.dice(false, 1)},
      {"dice smooth 0.5", sg, {{"kind", "dice"}, {"smooth", 0.5}}, sg.dice(false, 0.5)},
      {"dice_sq", sg, {{"kind", "dice_sq"}}, sg.dice_sq(false, 1)},
      {"log_dice 100", sg, {{"kind", "log_dice"}, {"smooth", 100.0}}, sg.log_dice(false, 100)},
      {"focal", sg, {{"kind", "focal"}}, sg.focal_sigmoid(0.25, 2)},
      {"focal g1", sg, {{"kind", "focal"}, {"gamma", 1.0}}, sg.focal_sigmoid(0.25, 1)},
      {"tversky", sg, {{"kind", "tversky"}}, sg.tversky(false, 0.7, 0.3, 1)},
      {"focal_tversky",
       sg,
       {{"kind", "focal_tversky"}, {"alpha", 0.6}, {"beta", 0.4}, {"gamma", 1.5}},
       sg.tversky(false, 0.6, 0.4, 1, 1.5)},
      {"ce", sm, {{"kind", "ce"}}, sm.ce()},
      {"mdice", sm, {{"kind", "mdice"}}, sm.dice(true, 1)},
      {"mdice skip", sm, {{"kind", "mdice"}, {"skip_background", int64_t(1)}}, sm.dice(true, 1, 1)},
      {"dice softmax", sm, {{"kind", "dice"}, {"activation", "softmax"}}, sm.dice(true, 1)},
      {"dice_sq softmax",
       sm,
       {{"kind", "dice_sq"}, {"activation", "softmax"}},
       sm.dice_sq(true, 1)},
      {"log_dice softmax",
       sm,
       {{"kind", "log_dice"}, {"activation", "softmax"}},
       sm.log_dice(true, 1)},
      {"focal softmax",
       sm,
       {{"kind", "focal"}, {"activation", "softmax"}},
       sm.focal_softmax(0.25, 2)},
      {"tversky softmax",
       sm,
       {{"kind", "tversky"}, {"activation", "softmax"}},
       sm.tversky(true, 0.7, 0.3, 1)},
      {"focal_tversky softmax",
       sm,
       {{"kind", "focal_tversky"}, {"activation", "softmax"}},
       sm.tversky(true, 0.7, 0.3, 1, 0.75)},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    const double got = run_loss(r.attrs, r.in.shape, r.in.z, r.in.t).loss;
    CHECK(got == doctest::Approx(r.want).epsilon(1e-12));
    const float got32 = run_loss_f32(r.attrs, r.in.shape, r.in.z, r.in.t).first;
    CHECK(double(got32) == doctest::Approx(r.want).epsilon(1e-5));
  }
}

TEST_CASE("seg_loss: hand-computed values") {
  // p = sigmoid(0, ln 3) = (0.5, 0.75), t = (1, 0).
  const Shape shape{1, 1, 1, 2};
  const Vec z{0, std::log(3.0)}, t{1, 0};
  // BCE: (-ln 0.5 - ln 0.25) / 2 = 1.5 ln 2.
  CHECK(run_loss({{"kind", "bce"}}, shape, z, t).loss == doctest::Approx(1.5 * std::log(2.0)));
  // Dice: I = 0.5, sum p = 1.25, sum t = 1: 1 - (1 + 1) / (2.25 + 1) = 5/13.
  CHECK(run_loss({{"kind", "dice"}}, shape, z, t).loss == doctest::Approx(5.0 / 13));
  // Tversky (0.7, 0.3): TP 0.5, FN 0.5, FP 0.75: 1 - 1.5 / (0.5 + 0.35 + 0.225 + 1) = 1
  // - 1.5/2.075.
  CHECK(run_loss({{"kind", "tversky"}}, shape, z, t).loss == doctest::Approx(1 - 1.5 / 2.075));
  // Focal (0.25, 2): (0.25 * 0.25 * ln 2 + 0.75 * 0.5625 * ln 4) / 2.
  CHECK(run_loss({{"kind", "focal"}}, shape, z, t).loss ==
        doctest::Approx((0.0625 * std::log(2.0) + 0.421875 * std::log(4.0)) / 2));
  // Softmax over 2 channels of one pixel (0, ln 3): p = (0.25, 0.75), class 1: CE = -ln 0.75.
  CHECK(run_loss({{"kind", "ce"}}, {1, 2, 1, 1}, {0, std::log(3.0)}, {0, 1}).loss ==
        doctest::Approx(-std::log(0.75)));
  // Its gradient is p - t = (0.25, -0.25).
  auto g = run_loss({{"kind", "ce"}}, {1, 2, 1, 1}, {0, std::log(3.0)}, {0, 1}).grad;
  CHECK(g[0] == doctest::Approx(0.25));
  CHECK(g[1] == doctest::Approx(-0.25));
}

TEST_CASE("seg_loss stays finite and exact for saturated logits in f32") {
  // Sigmoid: confident and right (loss ~0), confident and wrong (loss = |z|).
  const Shape shape{1, 1, 1, 4};
  const Vec z{100, -100, 100, -100}, t{1, 0, 0, 1};
  auto [bce, gb] = run_loss_f32({{"kind", "bce"}}, shape, z, t);
  CHECK(bce == doctest::Approx(50.0));            // (0 + 0 + 100 + 100) / 4
  const float want_gb[] = {0, 0, 0.25f, -0.25f};  // (p - t) / 4
  for (int i = 0; i < 4; ++i) CHECK(gb[i] == doctest::Approx(want_gb[i]));
  auto [focal, gf] = run_loss_f32({{"kind", "focal"}}, shape, z, t);
  CHECK(focal == doctest::Approx((0.75 * 100 + 0.25 * 100) / 4));
  for (float v : gf) CHECK(std::isfinite(v));
  CHECK(gf[2] > 0);
  CHECK(gf[3] < 0);
  auto [ft, gft] = run_loss_f32({{"kind", "focal"}, {"gamma", 0.5}}, shape, z, t);
  CHECK(std::isfinite(ft));
  for (float v : gft) CHECK(std::isfinite(v));
  for (const char* kind : {"dice", "dice_sq", "log_dice", "tversky", "focal_tversky"}) {
    INFO(kind);
    auto [l, gr] = run_loss_f32({{"kind", kind}}, shape, z, t);
    CHECK(std::isfinite(l));
    for (float v : gr) CHECK(std::isfinite(v));
  }
  // Softmax: a wrong class 200 logits behind costs 200; the right one costs ~0.
  const Shape s2{1, 2, 1, 2};
  // Channel-major: pixel 0 = (100, -100), pixel 1 = (-100, 100); both are class 1.
  const Vec z2{100, -100, -100, 100}, t2{0, 0, 1, 1};
  auto [ce, gc] = run_loss_f32({{"kind", "ce"}}, s2, z2, t2);
  CHECK(ce == doctest::Approx(100.0));  // (200 + 0) / 2 pixels
  for (float v : gc) CHECK(std::isfinite(v));
  CHECK(gc[0] == doctest::Approx(0.5));  // (p - t) / pixels
  for (const char* kind : {"focal", "mdice", "dice", "tversky"}) {
    INFO(kind);
    auto [l, gr] = run_loss_f32({{"kind", kind}, {"activation", "softmax"}}, s2, z2, t2);
    CHECK(std::isfinite(l));
    for (float v : gr) CHECK(std::isfinite(v));
  }
}

TEST_CASE("seg_loss: a weighted sum of losses composes with scale and add") {
  // ResU-Net style: 0.8 * focal + 0.2 * log-Dice, differentiated through the graph.
  const Naive in = make_naive({2, 1, 3, 3}, false, 21);
  const Attrs focal{{"kind", "focal"}, {"gamma", 1.0}};
  const Attrs ldice{{"kind", "log_dice"}, {"smooth", 100.0}};
  Graph g;
  int zi = g.add_input("z", in.shape), ti = g.add_input("t", in.shape);
  int a = g.add1("scale", {g.add1("seg_loss", {zi, ti}, focal)}, {{"s", 0.8}});
  int b = g.add1("scale", {g.add1("seg_loss", {zi, ti}, ldice)}, {{"s", 0.2}});
  int total = g.add1("add", {a, b});
  int dy = g.add_input("dy", {1});
  int dz = add_backward(g, {{total, dy}}, {zi}).at(zi);
  cpu::CpuProgram<double> p(g, {total, dz});
  auto eval = [&](const Vec& z) {
    std::copy(z.begin(), z.end(), p.data(zi));
    std::copy(in.t.begin(), in.t.end(), p.data(ti));
    p.data(dy)[0] = 1;
    p.run();
    return p.data(total)[0];
  };
  const double l = eval(in.z);
  const Vec grad(p.data(dz), p.data(dz) + in.z.size());
  CHECK(l == doctest::Approx(0.8 * run_loss(focal, in.shape, in.z, in.t).loss +
                             0.2 * run_loss(ldice, in.shape, in.z, in.t).loss)
                 .epsilon(1e-12));
  const Vec gf = run_loss(focal, in.shape, in.z, in.t).grad;
  const Vec gd = run_loss(ldice, in.shape, in.z, in.t).grad;
  for (size_t i = 0; i < in.z.size(); ++i) {
    INFO("element " << i);
    CHECK(grad[i] == doctest::Approx(0.8 * gf[i] + 0.2 * gd[i]).epsilon(1e-12));
    Vec zp = in.z, zm = in.z;
    zp[i] += 1e-6;
    zm[i] -= 1e-6;
    const double num = (eval(zp) - eval(zm)) / 2e-6;
    CHECK(grad[i] == doctest::Approx(num).epsilon(1e-6).scale(1e-4));
  }
}

TEST_CASE("seg_loss rejects bad attributes and shapes with clear errors") {
  Graph g;
  int z = g.add_input("z", {2, 3, 4, 4}), t = g.add_input("t", {2, 3, 4, 4});
  int t1 = g.add_input("t1", {2, 1, 4, 4}), z1 = g.add_input("z1", {2, 1, 4, 4});
  auto err = [&](const std::vector<int>& in, const Attrs& a) -> std::string {
    try {
      g.add1("seg_loss", in, a);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(err({z, t}, {{"kind", "dicee"}}).find("unknown kind 'dicee'") != std::string::npos);
  CHECK(err({z, t}, {{"kind", "ce"}, {"activation", "sigmoid"}}).find("needs activation=softmax") !=
        std::string::npos);
  CHECK(err({z, t}, {{"kind", "bce"}, {"activation", "softmax"}}).find("activation=sigmoid") !=
        std::string::npos);
  CHECK(err({z, t}, {{"kind", "dice"}, {"activation", "relu"}}).find("sigmoid or softmax") !=
        std::string::npos);
  CHECK(err({z, t1}, {{"kind", "bce"}}).find("must have the shape of logits") != std::string::npos);
  CHECK(err({z1, t1}, {{"kind", "ce"}}).find("at least 2 channels") != std::string::npos);
  CHECK(err({z, t}, {{"kind", "dice"}, {"gamma", 2.0}}).find("'gamma' does not apply") !=
        std::string::npos);
  CHECK(err({z, t}, {{"kind", "focal"}, {"alpha", 1.5}}).find("alpha must be in [0, 1]") !=
        std::string::npos);
  CHECK(err({z, t}, {{"kind", "log_dice"}, {"smooth", 0.0}}).find("smooth > 0") !=
        std::string::npos);
  CHECK(err({z, t}, {{"kind", "dice"}}).empty());
  CHECK(g.value(g.add1("seg_loss", {z, t}, {{"kind", "mdice"}})).shape == Shape{1});
}

}  // namespace segrt::test
