// Lowering of a fused inference group (graph/fusion.h): conv2d with a folded batch norm, a
// residual add and an activation in its epilogue, as one convolution dispatch (plus a C-element
// dispatch folding the batch-norm statistics into a scale and shift).
#pragma once

#include "graph/fusion.h"
#include "runtime/vulkan/lower.h"

namespace segrt::vk {

Lowered lower_conv_epilogue(const Graph& g, const ConvEpilogue& e);

}  // namespace segrt::vk
