// Graph cost: FLOPs from the op definitions, parameter counts, activation bytes, the table.
#include "graph/cost.h"

#include <doctest/doctest.h>

namespace segrt::test {

TEST_CASE("cost: FLOPs, parameters and activation bytes of a small graph") {
  Graph g;
  int x = g.add_input("x", {2, 3, 4, 4});
  int b = g.add_param("b", {3, 1, 1}, Init{});
  g.add_param("unused", {5}, Init{}, /*trainable=*/false);
  int y = g.add1("add", {x, b}, {}, "shift");
  int r = g.add1("relu", {y}, {}, "act");
  int s = g.add1("sigmoid", {r}, {}, "");
  g.add1("tanh", {s}, {}, "not needed");
  g.set_outputs({s});
  GraphCost c = graph_cost(g);
  CHECK(c.trainable == 3);
  CHECK(c.non_trainable == 5);
  // add: one flop per output element (default); relu 1 and sigmoid 4 per element.
  CHECK(c.flops == 96 + 96 + 4 * 96);
  CHECK(c.activation_bytes == 3 * 96 * 4);
  CHECK(c.peak_bytes >= 2 * 96 * 4);  // an input and an output of one node are live together
  CHECK(c.peak_bytes <= 3 * 96 * 4 + 3 * 64);
  REQUIRE(c.layers.size() == 3);
  CHECK(c.layers[0].name == "shift");
  CHECK(c.layers[0].params == 3);
  CHECK(c.layers[0].out == Shape{2, 3, 4, 4});
  CHECK(c.layers[2].name == "%2");
  CHECK(c.layers[2].flops == 384);
  // Asking for a different output changes the schedule.
  CHECK(graph_cost(g, {r}).layers.size() == 2);
  std::string t = cost_table(c);
  CHECK(t.find("layer") == 0);
  CHECK(t.find("shift  add") != std::string::npos);
  CHECK(t.find("parameters: 8 (3 trainable, 5 non-trainable)") != std::string::npos);
  CHECK(t.find("FLOPs: 576") != std::string::npos);
}

TEST_CASE("cost: number formatting") {
  CHECK(group_digits(0) == "0");
  CHECK(group_digits(999) == "999");
  CHECK(group_digits(6854609) == "6,854,609");
  CHECK(group_digits(-1000) == "-1,000");
  CHECK(si(12) == "12");
  CHECK(si(1500) == "1.50 K");
  CHECK(si(3.2e9) == "3.20 G");
}

}  // namespace segrt::test
