// The conv2d dispatch builder of runtime/vulkan/lower_conv.cpp, exported so a fusion lowering
// (conv + folded batch norm + residual add + activation) can reuse it with the epilogue of
// shaders/conv_epilogue.glsl: y = act((conv(x, w) + bias) * scale + shift + residual).
#pragma once

#include "graph/ops/conv_params.h"
#include "runtime/vulkan/lower.h"

namespace segrt::vk {

// The epilogue activation (specialisation constant ACT of the convolution shaders).
enum class ConvAct : int32_t { None = 0, Relu = 1, LeakyRelu = 2, Sigmoid = 3 };

// Dispatches computing y = act((conv2d(x, w) + bias) * scale + shift + residual) with the
// geometry `cp` (output_padding ignored). x [N, C, H, W], w [O, C/groups, kh, kw],
// y [N, O, Ho, Wo]; bias, scale, shift [O] and residual (y's shape) are value ids or -1 when
// absent (other negative ids: scratch regions); alpha is the leaky_relu slope. Picks the
// depthwise, direct (CPU devices), 1x1 or tiled implicit-GEMM path.
Lowered conv2d_lowering(const Graph& g, const ConvParams& cp, int x, int w, int bias, int scale,
                        int shift, int residual, ConvAct act, float alpha, int y);

}  // namespace segrt::vk
