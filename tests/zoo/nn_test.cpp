// The network builder and parameter initialisation.
#include "graph/nn.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "graph/init.h"

namespace segrt::test {

TEST_CASE("nn: scopes name parameters and nodes like PyTorch") {
  Net n(Mode::Train);
  int x = n.input("image", {2, 3, 8, 8});
  {
    auto s1 = n.scope("enc1");
    x = n.conv(x, 4, 3, "conv1");
    {
      auto s2 = n.scope("inner");
      x = n.bn(x, "bn1");
      CHECK(n.path("leaf") == "enc1.inner.leaf");
    }
    x = n.relu(x);
    x = n.relu(x);
  }
  CHECK(n.path("") == "");
  const Graph& g = n.graph();
  CHECK(g.value(g.get("enc1.conv1.weight")).shape == Shape{4, 3, 3, 3});
  CHECK(g.value(g.get("enc1.conv1.bias")).shape == Shape{4});
  CHECK(g.value(g.get("enc1.inner.bn1.weight")).kind == ValueKind::Param);
  CHECK(g.value(g.get("enc1.inner.bn1.bias")).kind == ValueKind::Param);
  CHECK(g.value(g.get("enc1.inner.bn1.running_mean")).kind == ValueKind::State);
  CHECK(g.value(g.get("enc1.inner.bn1.running_var")).init.kind == "ones");
  std::vector<std::string> names;
  for (auto& nd : g.nodes()) names.push_back(nd.name);
  CHECK(names ==
        std::vector<std::string>{"enc1.conv1", "enc1.inner.bn1", "enc1.relu_0", "enc1.relu_1"});
  CHECK(g.node(1).op == "batch_norm_train");
  CHECK(g.node(1).outputs.size() == 3);
  CHECK(g.node(0).attrs.ints("pad") == std::vector<int64_t>{1, 1});
}

TEST_CASE("nn: conv initialisers follow Keras' fans, L2 only on kernels") {
  Net n(Mode::Infer);
  int x = n.input("image", {1, 6, 8, 8});
  x = n.conv(x, 4, 3, "c", {.groups = 2});
  x = n.sep_conv(x, 5, 3, "s");
  x = n.conv_t(x, 2, 3, "t");
  x = n.ln_channels(x, "ln");
  const Graph& g = n.graph();
  const Value& c = g.value(g.get("c.weight"));
  CHECK(c.shape == Shape{4, 3, 3, 3});
  CHECK(c.init.kind == "glorot_uniform");
  CHECK(c.init.fan_in == 27);
  CHECK(c.init.fan_out == 36);
  CHECK(c.l2);
  CHECK_FALSE(g.value(g.get("c.bias")).l2);
  CHECK(g.value(g.get("c.bias")).init.kind == "zeros");
  const Value& dw = g.value(g.get("s.depthwise.weight"));
  CHECK(dw.shape == Shape{4, 1, 3, 3});
  CHECK(dw.init.fan_in == 36);
  CHECK(dw.init.fan_out == 9);
  CHECK(g.value(g.get("s.pointwise.weight")).shape == Shape{5, 4, 1, 1});
  CHECK(g.value(g.get("s.pointwise.weight")).init.fan_in == 4);
  const Value& t = g.value(g.get("t.weight"));
  CHECK(t.shape == Shape{5, 2, 3, 3});
  CHECK(t.init.fan_in == 18);
  CHECK(t.init.fan_out == 45);
  CHECK(t.l2);
  CHECK_FALSE(g.value(g.get("ln.weight")).l2);
  CHECK(g.node(1).attrs.i("groups") == 4);  // depthwise
  CHECK(g.node(1).name == "s.depthwise");
  CHECK(g.node(2).name == "s.pointwise");
  CHECK(n.shape(x) == Shape{1, 2, 16, 16});
  CHECK(n.shape(g.node(4).outputs[1]) == Shape{1, 1, 16, 16});  // layer norm's mean
}

TEST_CASE("nn: transposed conv 'same' doubles the size for any kernel >= stride") {
  for (int64_t k : {2, 3, 4, 5}) {
    Net n;
    int x = n.input("x", {1, 2, 5, 7});
    int y = n.conv_t(x, 3, k, "up");
    INFO("k=" << k);
    CHECK(n.shape(y) == Shape{1, 3, 10, 14});
  }
  Net n;
  int x = n.input("x", {1, 2, 5, 5});
  const Node& a = n.graph().node(n.graph().value(n.conv_t(x, 3, 3, "a")).producer);
  CHECK(a.attrs.ints("pad") == std::vector<int64_t>{1, 1});
  CHECK(a.attrs.ints("output_padding") == std::vector<int64_t>{1, 1});
  CHECK(n.shape(n.conv_t(x, 3, 3, "b", {.stride = 1, .bias = false})) == Shape{1, 3, 5, 5});
  CHECK(n.graph().find("b.bias") < 0);
  CHECK_THROWS_WITH_AS(n.conv_t(x, 3, 1, "c"), doctest::Contains("smaller than stride"), Error);
  CHECK(n.shape(n.conv_t(x, 3, 2, "d", {.pad = 0, .output_padding = 1})) == Shape{1, 3, 11, 11});
  CHECK_THROWS_WITH_AS(n.conv(x, 3, 3, "e", {.groups = 2}), doctest::Contains("groups"), Error);
}

TEST_CASE("nn: dropout per mode, shared key, distinct seeds") {
  for (Mode m : {Mode::Train, Mode::Infer, Mode::MCDropout}) {
    Net n(m);
    int x = n.input("x", {1, 2, 4, 4});
    int a = n.dropout(x, 0.5);
    int b = n.dropout(a, 0.25, true);
    CHECK(n.dropout(b, 0.0) == b);
    const Graph& g = n.graph();
    if (m == Mode::Infer) {
      CHECK(b == x);
      CHECK(n.rng_key() < 0);
      CHECK(g.nodes().empty());
      continue;
    }
    CHECK(g.nodes().size() == 2);
    CHECK(n.rng_key() == g.get("rng_key"));
    CHECK(g.value(n.rng_key()).shape == Shape{1});
    CHECK(g.node(0).inputs[1] == n.rng_key());
    CHECK(g.node(1).inputs[1] == n.rng_key());
    CHECK(g.node(0).attrs.i("seed") != g.node(1).attrs.i("seed"));
    CHECK(g.node(0).attrs.f("p") == 0.5);
    CHECK(g.node(0).attrs.i("spatial") == 0);
    CHECK(g.node(1).attrs.i("spatial") == 1);
  }
  CHECK(parse_mode("mc-dropout") == Mode::MCDropout);
  CHECK_THROWS_AS(parse_mode("eval"), Error);
}

TEST_CASE("nn: pooling, concat, upsample and elementwise layers") {
  Net n;
  int x = n.input("x", {2, 3, 8, 8});
  CHECK(n.shape(n.max_pool(x, 2)) == Shape{2, 3, 4, 4});
  CHECK(n.shape(n.avg_pool(x, 3, 1, 1)) == Shape{2, 3, 8, 8});
  CHECK(n.shape(n.global_avg_pool(x)) == Shape{2, 3, 1, 1});
  CHECK(n.shape(n.concat({x, x, x})) == Shape{2, 9, 8, 8});
  CHECK(n.shape(n.upsample(x, 2, "bilinear")) == Shape{2, 3, 16, 16});
  CHECK(n.shape(n.mul(x, n.sigmoid(n.global_avg_pool(x)))) == Shape{2, 3, 8, 8});
  CHECK(n.shape(n.add(n.silu(x), n.leaky(x, 0.1))) == Shape{2, 3, 8, 8});
  CHECK_THROWS_AS(n.upsample(x, 2, "cubic"), Error);
  CHECK_THROWS_AS(n.concat({x, n.max_pool(x, 2)}), Error);
}

TEST_CASE("init: deterministic, per-name, Keras distributions") {
  const Init glorot{.kind = "glorot_uniform", .fan_in = 90, .fan_out = 60};
  auto a = init_value("w", {10000}, glorot, 7);
  CHECK(a == init_value("w", {10000}, glorot, 7));
  CHECK(a != init_value("w", {10000}, glorot, 8));
  CHECK(a != init_value("v", {10000}, glorot, 7));
  // Element i does not depend on the shape: a prefix of a longer draw.
  auto longer = init_value("w", {20000}, glorot, 7);
  CHECK(std::equal(a.begin(), a.end(), longer.begin()));
  double limit = std::sqrt(6.0 / 150), mean = 0, var = 0, amax = 0;
  for (float v : a) {
    amax = std::max(amax, double(std::abs(v)));
    mean += v / 1e4;
    var += v * v / 1e4;
  }
  CHECK(amax <= limit);
  CHECK(amax > 0.99 * limit);
  CHECK(std::abs(mean) < 0.01 * limit);
  CHECK(var == doctest::Approx(limit * limit / 3).epsilon(0.03));

  auto h = init_value("h", {20000}, Init{.kind = "he_normal", .fan_in = 50}, 1);
  double hv = 0, hmax = 0, sd_raw = std::sqrt(2.0 / 50) / 0.87962566103423978;
  for (float v : h) {
    hmax = std::max(hmax, double(std::abs(v)));
    hv += double(v) * v / 2e4;
  }
  CHECK(hmax <= 2 * sd_raw + 1e-6);
  CHECK(hmax > 1.9 * sd_raw);
  CHECK(hv == doctest::Approx(2.0 / 50).epsilon(0.03));
  auto u = init_value("u", {1000}, Init{.kind = "he_uniform", .fan_in = 6}, 1);
  CHECK(*std::max_element(u.begin(), u.end()) <= 1.0f);
  CHECK(*std::min_element(u.begin(), u.end()) >= -1.0f);
  CHECK(init_value("c", {3}, Init{.kind = "const", .value = 2.5}, 0) ==
        std::vector<float>{2.5f, 2.5f, 2.5f});
  CHECK_THROWS_WITH_AS(init_value("w", {3}, Init{.kind = "glorot_uniform"}, 0),
                       doctest::Contains("needs fan_in and fan_out"), Error);
  CHECK_THROWS_WITH_AS(init_value("w", {3}, Init{.kind = "orthogonal"}, 0),
                       doctest::Contains("unknown kind 'orthogonal'"), Error);
}

TEST_CASE("init: init_params covers params and state; adding a layer leaves others alone") {
  auto build = [](bool extra) {
    Net n;
    int x = n.input("x", {1, 2, 4, 4});
    if (extra) x = n.conv(x, 2, 3, "first");
    x = n.bn(n.conv(x, 3, 3, "conv"), "bn");
    return n.graph();
  };
  Graph g1 = build(false), g2 = build(true);
  ParamStore p1 = init_params(g1, 42), p2 = init_params(g2, 42);
  CHECK(p1.size() == 6);
  CHECK(p1.at("conv.weight") == p2.at("conv.weight"));
  CHECK(p1.at("bn.running_var") == std::vector<float>(3, 1.0f));
  CHECK(p1.at("conv.bias") == std::vector<float>(3, 0.0f));
  check_params(g1, p1);
  CHECK_THROWS_WITH_AS(check_params(g1, p2), doctest::Contains("unexpected 'first.weight'"), Error);
  check_params(g1, p2, /*allow_extra=*/true);
  ParamStore bad = p1;
  bad.erase("bn.weight");
  bad["conv.bias"].pop_back();
  try {
    check_params(g1, bad);
    FAIL("no error");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("missing 'bn.weight' [3]") != std::string::npos);
    CHECK(m.find("'conv.bias' has 2 values, the model needs [3]") != std::string::npos);
  }
}

}  // namespace segrt::test
