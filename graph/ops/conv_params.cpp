#include "graph/ops/conv_params.h"

#include "graph/op_registry.h"

namespace segrt {
namespace {

std::array<int64_t, 2> pair_attr(const Attrs& a, const std::string& key, int64_t def, int64_t min,
                                 const std::string& op) {
  std::vector<int64_t> v = a.ints(key, {def, def});
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2)
    throw Error(op + ": attribute '" + key + "' must be one int or an [h, w] pair, got " +
                shape_str(v));
  for (int64_t e : v)
    if (e < min)
      throw Error(op + ": attribute '" + key + "' must be >= " + std::to_string(min) + ", got " +
                  shape_str(v));
  return {v[0], v[1]};
}

std::string num(int64_t v) {
  return std::to_string(v);
}

}  // namespace

ConvParams conv_params(const Attrs& a, const std::string& op) {
  ConvParams p;
  p.stride = pair_attr(a, "stride", 1, 1, op);
  p.pad = pair_attr(a, "pad", 0, 0, op);
  p.dilation = pair_attr(a, "dilation", 1, 1, op);
  p.output_padding = pair_attr(a, "output_padding", 0, 0, op);
  p.groups = a.i("groups", 1);
  if (p.groups < 1) throw Error(op + ": groups must be >= 1, got " + num(p.groups));
  return p;
}

Attrs conv_attrs(const ConvParams& p) {
  return Attrs{{"stride", std::vector<int64_t>{p.stride[0], p.stride[1]}},
               {"pad", std::vector<int64_t>{p.pad[0], p.pad[1]}},
               {"dilation", std::vector<int64_t>{p.dilation[0], p.dilation[1]}},
               {"groups", p.groups}};
}

Shape conv2d_out_shape(const Shape& x, const Shape& w, const ConvParams& p, const std::string& op) {
  expect_rank(x, 4, op, "input");
  expect_rank(w, 4, op, "weight");
  const int64_t g = p.groups;
  if (x[1] % g != 0)
    throw Error(op + ": groups " + num(g) + " do not divide the " + num(x[1]) +
                " input channels of " + shape_str(x));
  if (w[0] % g != 0)
    throw Error(op + ": groups " + num(g) + " do not divide the " + num(w[0]) +
                " output channels of weight " + shape_str(w));
  if (w[1] * g != x[1])
    throw Error(op + ": input " + shape_str(x) + " has " + num(x[1]) + " channels but weight " +
                shape_str(w) + " with groups " + num(g) + " expects " + num(w[1] * g));
  Shape y{x[0], w[0], 0, 0};
  for (int i = 0; i < 2; ++i) {
    const int64_t span = p.dilation[i] * (w[2 + i] - 1) + 1;  // extent of the dilated kernel
    const int64_t padded = x[2 + i] + 2 * p.pad[i];
    if (w[2 + i] < 1 || padded < span)
      throw Error(op + ": output size <= 0: " + (i ? "width " : "height ") + num(x[2 + i]) +
                  " padded by " + num(p.pad[i]) + " is smaller than the dilated kernel extent " +
                  num(span));
    y[2 + i] = conv_out_size(x[2 + i], w[2 + i], p.stride[i], p.pad[i], p.dilation[i]);
  }
  return y;
}

Shape conv_transpose2d_out_shape(const Shape& x, const Shape& w, const ConvParams& p,
                                 const std::string& op) {
  expect_rank(x, 4, op, "input");
  expect_rank(w, 4, op, "weight");
  const int64_t g = p.groups;
  if (w[0] != x[1])
    throw Error(op + ": input " + shape_str(x) + " has " + num(x[1]) + " channels but weight " +
                shape_str(w) + " (layout [Cin, Cout/groups, kh, kw]) expects " + num(w[0]));
  if (x[1] % g != 0)
    throw Error(op + ": groups " + num(g) + " do not divide the " + num(x[1]) +
                " input channels of " + shape_str(x));
  Shape y{x[0], w[1] * g, 0, 0};
  for (int i = 0; i < 2; ++i) {
    // The gradient is a conv2d with the same stride; it maps y back onto x only when
    // output_padding < stride (PyTorch also allows < dilation, which that would break).
    if (p.output_padding[i] >= p.stride[i])
      throw Error(op + ": output_padding " + num(p.output_padding[i]) +
                  " must be smaller than the stride " + num(p.stride[i]));
    y[2 + i] = (x[2 + i] - 1) * p.stride[i] - 2 * p.pad[i] + p.dilation[i] * (w[2 + i] - 1) +
               p.output_padding[i] + 1;
    if (w[2 + i] < 1 || y[2 + i] <= 0)
      throw Error(op + ": output size <= 0: " + (i ? "width " : "height ") + num(y[2 + i]) +
                  " for input " + shape_str(x) + " and weight " + shape_str(w));
  }
  return y;
}

}  // namespace segrt
