// TEMPORARY until the op families land; delete on merge.
// Shape-only definitions of the ops of docs/ops.md that the model zoo uses, so networks can be
// built and counted before the real op families (with kernels, FLOPs and gradients) exist.
// Registered lazily (see _pending_shapes.h) and never over a real definition.
#include "graph/ops/_pending_shapes.h"

#include "graph/op_registry.h"

namespace segrt {
namespace {

void check(bool ok, const std::string& msg) {
  if (!ok) throw Error(msg);
}

std::vector<Shape> conv2d(const std::vector<Shape>& in, const Attrs& a) {
  const Shape &x = in[0], &w = in[1];
  expect_rank(x, 4, "conv2d", "input");
  expect_rank(w, 4, "conv2d", "weight");
  auto s = a.ints("stride", {1, 1}), p = a.ints("pad", {0, 0}), d = a.ints("dilation", {1, 1});
  int64_t g = a.i("groups", 1);
  check(g >= 1 && w[0] % g == 0 && x[1] == w[1] * g, "conv2d: input " + shape_str(x) +
                                                         " does not fit weight " + shape_str(w) +
                                                         " with groups " + std::to_string(g));
  if (in.size() == 3)
    check(in[2] == Shape{w[0]}, "conv2d: bias must be [" + std::to_string(w[0]) + "]");
  Shape y = {x[0], w[0], conv_out_size(x[2], w[2], s[0], p[0], d[0]),
             conv_out_size(x[3], w[3], s[1], p[1], d[1])};
  check(y[2] > 0 && y[3] > 0, "conv2d: empty output for input " + shape_str(x));
  return {y};
}

std::vector<Shape> conv_transpose2d(const std::vector<Shape>& in, const Attrs& a) {
  const Shape &x = in[0], &w = in[1];
  expect_rank(x, 4, "conv_transpose2d", "input");
  expect_rank(w, 4, "conv_transpose2d", "weight");
  auto s = a.ints("stride", {1, 1}), p = a.ints("pad", {0, 0}), d = a.ints("dilation", {1, 1});
  auto op = a.ints("output_padding", {0, 0});
  int64_t g = a.i("groups", 1);
  check(x[1] == w[0] && w[0] % g == 0,
        "conv_transpose2d: input " + shape_str(x) + " does not fit weight " + shape_str(w));
  int64_t cout = w[1] * g;
  if (in.size() == 3)
    check(in[2] == Shape{cout}, "conv_transpose2d: bias must be [" + std::to_string(cout) + "]");
  auto ext = [&](int i) {
    return (x[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (w[2 + i] - 1) + op[i] + 1;
  };
  return {{x[0], cout, ext(0), ext(1)}};
}

std::vector<Shape> pool(const std::vector<Shape>& in, const Attrs& a) {
  expect_rank(in[0], 4, "pool", "input");
  auto k = a.ints("kernel"), s = a.ints("stride", k), p = a.ints("pad", {0, 0});
  Shape y = {in[0][0], in[0][1], conv_out_size(in[0][2], k[0], s[0], p[0], 1),
             conv_out_size(in[0][3], k[1], s[1], p[1], 1)};
  check(y[2] > 0 && y[3] > 0, "pool: empty output for input " + shape_str(in[0]));
  return {y};
}

void expect_channel_vectors(const std::vector<Shape>& in, size_t from, const std::string& op) {
  expect_rank(in[0], 4, op, "input");
  for (size_t i = from; i < in.size(); ++i)
    check(in[i] == Shape{in[0][1]}, op + ": parameter " + std::to_string(i) + " must be [" +
                                        std::to_string(in[0][1]) + "], got " + shape_str(in[i]));
}

void add_if_absent(OpDef d) {
  if (!OpRegistry::get().find(d.name)) OpRegistry::get().add(std::move(d));
}

}  // namespace

void register_pending_shape_ops() {
  static bool done = false;
  if (done) return;
  done = true;
  add_if_absent({.name = "conv2d", .min_inputs = 2, .max_inputs = 3, .infer = conv2d});
  add_if_absent(
      {.name = "conv_transpose2d", .min_inputs = 2, .max_inputs = 3, .infer = conv_transpose2d});
  add_if_absent({.name = "max_pool2d", .infer = pool});
  add_if_absent({.name = "avg_pool2d", .infer = pool});
  add_if_absent({.name = "global_avg_pool",
                 .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
                   expect_rank(in[0], 4, "global_avg_pool", "input");
                   return {{in[0][0], in[0][1], 1, 1}};
                 }});
  add_if_absent({.name = "batch_norm_train",
                 .min_inputs = 5,
                 .max_inputs = 5,
                 .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
                   expect_channel_vectors(in, 1, "batch_norm_train");
                   return {in[0], {in[0][1]}, {in[0][1]}};
                 },
                 .mutates = {3, 4}});
  add_if_absent({.name = "batch_norm_infer",
                 .min_inputs = 5,
                 .max_inputs = 5,
                 .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
                   expect_channel_vectors(in, 1, "batch_norm_infer");
                   return {in[0]};
                 }});
  add_if_absent({.name = "layer_norm_channels",
                 .min_inputs = 3,
                 .max_inputs = 3,
                 .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
                   expect_channel_vectors(in, 1, "layer_norm_channels");
                   Shape stat = {in[0][0], 1, in[0][2], in[0][3]};
                   return {in[0], stat, stat};
                 }});
  add_if_absent({.name = "dropout",
                 .min_inputs = 2,
                 .max_inputs = 2,
                 .infer = [](const std::vector<Shape>& in, const Attrs&) -> std::vector<Shape> {
                   check(numel(in[1]) == 1, "dropout: key must have one element");
                   return {in[0]};
                 },
                 .random = true});
  add_if_absent({.name = "concat",
                 .min_inputs = 1,
                 .max_inputs = 1 << 20,
                 .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
                   int64_t axis = a.i("axis", 1);
                   Shape y = in[0];
                   check(axis >= 0 && axis < int64_t(y.size()), "concat: bad axis");
                   for (size_t i = 1; i < in.size(); ++i) {
                     Shape s = in[i];
                     check(s.size() == y.size(), "concat: ranks differ");
                     y[axis] += s[axis];
                     s[axis] = y[axis];
                     check(s == y, "concat: shapes " + shape_str(in[0]) + " and " +
                                       shape_str(in[i]) + " differ off the axis");
                   }
                   return {y};
                 }});
  add_if_absent({.name = "upsample",
                 .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
                   expect_rank(in[0], 4, "upsample", "input");
                   int64_t s = a.i("scale");
                   return {{in[0][0], in[0][1], in[0][2] * s, in[0][3] * s}};
                 }});
}

}  // namespace segrt
