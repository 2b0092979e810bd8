// Shape inference of the convolution ops: output sizes and the errors a model author sees.
#include <doctest/doctest.h>

#include "graph/ir.h"

namespace segrt::test {
namespace {

using V = std::vector<int64_t>;

Shape out(const std::string& op, const std::vector<Shape>& in, Attrs a = {}) {
  Graph g;
  std::vector<int> ids;
  for (size_t i = 0; i < in.size(); ++i)
    ids.push_back(g.add_input("in" + std::to_string(i), in[i]));
  return g.value(g.add1(op, ids, std::move(a))).shape;
}

// The error message of adding the node, or "" when it is accepted.
std::string error(const std::string& op, const std::vector<Shape>& in, Attrs a = {}) {
  try {
    out(op, in, std::move(a));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("conv2d output shapes") {
  CHECK(out("conv2d", {{2, 3, 8, 8}, {4, 3, 3, 3}}, {{"pad", V{1, 1}}}) == Shape{2, 4, 8, 8});
  CHECK(out("conv2d", {{2, 3, 8, 7}, {4, 3, 3, 3}, {4}},
            {{"stride", int64_t(2)}, {"pad", int64_t(1)}}) == Shape{2, 4, 4, 4});
  CHECK(out("conv2d", {{1, 2, 9, 9}, {2, 2, 3, 3}}, {{"dilation", V{2, 2}}}) == Shape{1, 2, 5, 5});
  CHECK(out("conv2d", {{1, 4, 5, 5}, {4, 1, 3, 3}}, {{"groups", int64_t(4)}}) == Shape{1, 4, 3, 3});
  CHECK(out("conv_transpose2d", {{2, 3, 4, 4}, {3, 5, 3, 3}},
            {{"stride", V{2, 2}}, {"pad", V{1, 1}}, {"output_padding", V{1, 1}}}) ==
        Shape{2, 5, 8, 8});
  CHECK(out("conv_transpose2d", {{2, 4, 3, 5}, {4, 3, 2, 2}},
            {{"stride", V{2, 2}}, {"groups", int64_t(2)}}) == Shape{2, 6, 6, 10});
  CHECK(out("channel_sum", {{2, 7, 3, 3}}) == Shape{7});
  CHECK(out("channel_expand", {{7}}, {{"shape", V{2, 7, 3, 3}}}) == Shape{2, 7, 3, 3});
}

TEST_CASE("conv shape errors say what is wrong") {
  CHECK(contains(error("conv2d", {{2, 3, 8, 8}, {4, 2, 3, 3}}), "has 3 channels"));
  CHECK(contains(error("conv2d", {{2, 3, 8, 8}, {4, 1, 3, 3}}, {{"groups", int64_t(2)}}),
                 "do not divide the 3 input channels"));
  CHECK(contains(error("conv2d", {{2, 4, 8, 8}, {3, 2, 3, 3}}, {{"groups", int64_t(2)}}),
                 "do not divide the 3 output channels"));
  CHECK(contains(error("conv2d", {{2, 3, 2, 8}, {4, 3, 3, 3}}), "output size <= 0"));
  CHECK(contains(error("conv2d", {{2, 3, 5, 5}, {4, 3, 3, 3}}, {{"dilation", int64_t(3)}}),
                 "output size <= 0"));
  CHECK(contains(error("conv2d", {{2, 3, 8, 8}, {4, 3, 3, 3}, {3}}), "bias must have shape [4]"));
  CHECK(contains(error("conv2d", {{2, 3, 8}, {4, 3, 3, 3}}), "rank 4"));
  CHECK(contains(error("conv2d", {{2, 3, 8, 8}, {4, 3, 3, 3}}, {{"stride", int64_t(0)}}),
                 "'stride' must be >= 1"));
  CHECK(contains(error("conv2d", {{2, 3, 8, 8}, {4, 3, 3, 3}}, {{"pad", V{1, 1, 1}}}),
                 "[h, w] pair"));
  CHECK(contains(error("conv_transpose2d", {{2, 3, 4, 4}, {4, 5, 3, 3}}), "has 3 channels"));
  CHECK(contains(error("conv_transpose2d", {{2, 3, 4, 4}, {3, 5, 3, 3}}, {{"groups", int64_t(2)}}),
                 "do not divide"));
  CHECK(contains(error("conv_transpose2d", {{2, 3, 1, 1}, {3, 5, 1, 1}}, {{"pad", int64_t(1)}}),
                 "output size <= 0"));
  CHECK(contains(error("conv_transpose2d", {{2, 3, 4, 4}, {3, 5, 3, 3}},
                       {{"stride", int64_t(2)}, {"output_padding", int64_t(2)}}),
                 "smaller than the stride"));
  CHECK(contains(error("conv2d_grad_input", {{2, 4, 7, 7}, {4, 3, 3, 3}},
                       {{"input_shape", V{2, 3, 8, 8}}, {"pad", int64_t(1)}}),
                 "does not match"));
  CHECK(contains(
      error("conv2d_grad_weight", {{2, 3, 8, 8}, {2, 4, 8, 8}}, {{"weight_shape", V{4, 3, 3, 3}}}),
      "does not match"));
  CHECK(contains(error("channel_expand", {{3}}, {{"shape", V{2, 4, 3, 3}}}), "C = shape[1]"));
  CHECK(contains(error("channel_sum", {{3}}), "rank >= 2"));
}

}  // namespace segrt::test
