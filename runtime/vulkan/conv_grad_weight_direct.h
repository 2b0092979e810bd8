// The conv2d_grad_weight dispatch of shaders/conv2d_grad_weight_direct.comp, the path CPU
// Vulkan devices take (lower_conv.cpp picks it with the forward direct path's switch).
#pragma once

#include "graph/ops/conv_params.h"
#include "runtime/vulkan/lower.h"

namespace segrt::vk {

struct GradWeightDirect {
  Dispatch d;          // bindings {x, dy, dw}; the caller rebinds 2 to scratch when slices > 1
  int64_t slices = 1;  // partial sums of the N*HO reduction written one after the other
};

// The shape words both grad-weight shaders (tiled and direct) read alike: dims = x's
// [N, CI, H, W], dy's CO and HO; sa[0] = WO, sa[1] = top padding, sa[3] = groups.
void grad_weight_shape(PushParams& p, const Shape& xs, const Shape& ys, const ConvParams& cp);

// x [N, CI, H, W], dy [N, CO, HO, WO] -> dw [CO, CI/G, KH, KW], any stride, padding, dilation
// and groups (depthwise and 1x1 included).
GradWeightDirect grad_weight_direct(const Graph& g, const ConvParams& cp, int x, int dy, int dw);

}  // namespace segrt::vk
