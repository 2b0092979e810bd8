// Window geometry shared by the pooling and involution op definitions and their CPU kernels:
// [h, w] attributes (an integer means the same value for both axes) and output extents.
#pragma once

#include <array>
#include <string>

#include "graph/ir.h"
#include "graph/op_registry.h"

namespace segrt {

using HW = std::array<int64_t, 2>;

// Reads attribute `k` as [h, w]; a single integer (or one-element list) applies to both axes.
inline HW hw_attr(const Attrs& a, const std::string& k, HW def) {
  if (!a.has(k)) return def;
  std::vector<int64_t> v = a.ints(k);
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2)
    throw Error("attribute '" + k + "' must be [h, w], got " + std::to_string(v.size()) +
                " values");
  return {v[0], v[1]};
}

// Pooling window: kernel (required), stride (default: the kernel), pad (default 0).
struct PoolGeom {
  HW k, s, p;
  static PoolGeom from(const Attrs& a, const std::string& op) {
    PoolGeom g;
    if (!a.has("kernel")) throw Error(op + ": attribute 'kernel' is missing");
    g.k = hw_attr(a, "kernel", {0, 0});
    g.s = hw_attr(a, "stride", g.k);
    g.p = hw_attr(a, "pad", {0, 0});
    for (int d = 0; d < 2; ++d) {
      if (g.k[d] < 1 || g.s[d] < 1 || g.p[d] < 0)
        throw Error(op + ": kernel and stride must be positive and pad non-negative");
      // As PyTorch: every window then holds at least one real element.
      if (2 * g.p[d] > g.k[d]) throw Error(op + ": pad must be at most half the kernel");
    }
    return g;
  }
  // Output [N, C, Ho, Wo] of an NCHW input; throws when the window does not fit.
  Shape out_shape(const Shape& x, const std::string& op) const {
    expect_rank(x, 4, op, "input");
    Shape y = x;
    for (int d = 0; d < 2; ++d) {
      if (x[2 + d] + 2 * p[d] < k[d])
        throw Error(op + ": window " + std::to_string(k[d]) + " larger than padded input " +
                    shape_str(x));
      y[2 + d] = conv_out_size(x[2 + d], k[d], s[d], p[d], 1);
    }
    return y;
  }
};

// Involution geometry from the attributes: kernel_size K, groups G, stride and dilation ([h, w] or
// one integer), padding dilation * (K - 1) / 2 ('same' at stride 1 for odd K).
struct InvGeom {
  int64_t k, g;
  HW s, d, p;
  static InvGeom from(const Attrs& a, const std::string& op) {
    InvGeom v;
    v.k = a.i("kernel_size");
    v.g = a.i("groups", 1);
    v.s = hw_attr(a, "stride", {1, 1});
    v.d = hw_attr(a, "dilation", {1, 1});
    if (v.k < 1 || v.g < 1 || v.s[0] < 1 || v.s[1] < 1 || v.d[0] < 1 || v.d[1] < 1)
      throw Error(op + ": kernel_size, groups, stride and dilation must be positive");
    v.p = {v.d[0] * (v.k - 1) / 2, v.d[1] * (v.k - 1) / 2};
    return v;
  }
  // y's shape [N, C, Ho, Wo] for x; the kernel input is [N, G*K*K, Ho, Wo].
  Shape out_shape(const Shape& x, const std::string& op) const {
    expect_rank(x, 4, op, "x");
    if (x[1] % g != 0)
      throw Error(op + ": channels " + std::to_string(x[1]) + " not divisible by groups " +
                  std::to_string(g));
    Shape y = x;
    for (int i = 0; i < 2; ++i) {
      if (x[2 + i] + 2 * p[i] < d[i] * (k - 1) + 1)
        throw Error(op + ": window larger than the padded input " + shape_str(x));
      y[2 + i] = conv_out_size(x[2 + i], k, s[i], p[i], d[i]);
    }
    return y;
  }
  Shape kernel_shape(const Shape& y) const { return {y[0], g * k * k, y[2], y[3]}; }
  void expect_kernel(const Shape& y, const Shape& kern, const std::string& op) const {
    if (kern != kernel_shape(y))
      throw Error(op + ": kernel must be " + shape_str(kernel_shape(y)) + ", got " +
                  shape_str(kern));
  }
};

}  // namespace segrt
