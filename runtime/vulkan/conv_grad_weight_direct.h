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

// x [N, CI, H, W], dy [N, CO, HO, WO] -> dw [CO, CI/G, KH, KW], any stride, padding, dilation
// and groups (depthwise and 1x1 included).
GradWeightDirect grad_weight_direct(const Graph& g, const ConvParams& cp, int x, int dy, int dw);

}  // namespace segrt::vk
