// Concatenation along an axis (the U-Net skip join) and slicing, its gradient.
#include "graph/op_registry.h"

namespace segrt {
namespace {

// Axis attribute (default 1), negative counting from the end, checked against the rank.
int64_t axis_of(const Attrs& a, size_t rank, const std::string& op) {
  int64_t ax = a.i("axis", 1);
  if (ax < 0) ax += int64_t(rank);
  if (ax < 0 || ax >= int64_t(rank))
    throw Error(op + ": axis " + std::to_string(a.i("axis", 1)) + " out of range for rank " +
                std::to_string(rank));
  return ax;
}

// Shape of slicing [start, start + size) along `axis` out of `x`.
Shape slice_shape(const Shape& x, const Attrs& a, const std::string& op) {
  const int64_t ax = axis_of(a, x.size(), op), start = a.i("start"), size = a.i("size");
  if (start < 0 || size < 1 || start + size > x[ax])
    throw Error(op + ": [" + std::to_string(start) + ", " + std::to_string(start + size) +
                ") is not inside axis " + std::to_string(ax) + " of " + shape_str(x));
  Shape y = x;
  y[ax] = size;
  return y;
}

SEGRT_REGISTER_OP((OpDef{
    .name = "concat",
    .min_inputs = 1,
    .max_inputs = 16,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const int64_t ax = axis_of(a, in[0].size(), "concat");
      Shape y = in[0];
      for (size_t i = 1; i < in.size(); ++i) {
        Shape s = in[i];
        bool ok = s.size() == y.size();
        if (ok) {
          s[ax] = y[ax];
          ok = s == y;
        }
        if (!ok)
          throw Error("concat: input " + std::to_string(i) + " " + shape_str(in[i]) +
                      " does not match input 0 " + shape_str(in[0]) + " off axis " +
                      std::to_string(ax));
        y[ax] += in[i][ax];
      }
      return {y};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
    .grad = [](GradContext& c) -> std::vector<int> {
      const int64_t ax = axis_of(c.node.attrs, c.in_shape(0).size(), "concat");
      std::vector<int> dx;
      int64_t start = 0;
      for (size_t i = 0; i < c.node.inputs.size(); ++i) {
        const int64_t size = c.in_shape(i)[ax];
        dx.push_back(
            c.g.add1("slice", {c.dy[0]}, {{"axis", ax}, {"start", start}, {"size", size}}));
        start += size;
      }
      return dx;
    },
}));

// slice(x) -> y: elements [start, start + size) along axis.
SEGRT_REGISTER_OP((OpDef{
    .name = "slice",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      return {slice_shape(in[0], a, "slice")};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
    .grad = [](GradContext& c) -> std::vector<int> {
      Attrs a = c.node.attrs;
      a.set("input_shape", c.in_shape(0));
      return {c.g.add1("slice_grad", {c.dy[0]}, a)};
    },
}));

// slice_grad(dy) -> dx of input_shape: dy inside the slice, zeros elsewhere.
SEGRT_REGISTER_OP((OpDef{
    .name = "slice_grad",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape x = a.ints("input_shape");
      if (slice_shape(x, a, "slice_grad") != in[0])
        throw Error("slice_grad: dy " + shape_str(in[0]) + " does not match the slice of " +
                    shape_str(x));
      return {x};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
}));

}  // namespace
}  // namespace segrt
