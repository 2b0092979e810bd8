// Convolution hyper-parameters, read once from a node's attributes and validated. Shared by the
// conv op definitions (shape inference) and the kernels (geometry).
#pragma once

#include <array>
#include <string>

#include "graph/ir.h"

namespace segrt {

struct ConvParams {
  std::array<int64_t, 2> stride{1, 1}, pad{0, 0}, dilation{1, 1}, output_padding{0, 0};
  int64_t groups = 1;
};

// Reads stride, pad, dilation, output_padding ([h, w] lists or one int for both) and groups.
// Throws Error naming `op` for non-positive strides, dilations or groups and negative padding.
ConvParams conv_params(const Attrs& a, const std::string& op);

// The same hyper-parameters as attributes (no output_padding): what a gradient op is given.
Attrs conv_attrs(const ConvParams& p);

// Output shape of conv2d for input `x` [N, C, H, W] and weight `w` [O, C/groups, kh, kw], with
// clear errors for rank, channel, group and size mismatches.
Shape conv2d_out_shape(const Shape& x, const Shape& w, const ConvParams& p, const std::string& op);

// Output shape of conv_transpose2d for `x` [N, Cin, H, W] and `w` [Cin, Cout/groups, kh, kw].
Shape conv_transpose2d_out_shape(const Shape& x, const Shape& w, const ConvParams& p,
                                 const std::string& op);

}  // namespace segrt
