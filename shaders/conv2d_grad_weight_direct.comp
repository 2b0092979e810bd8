// conv2d_grad_weight without shared memory, for CPU Vulkan devices: see
// conv2d_grad_weight_direct.glsl.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "conv2d_grad_weight_direct.glsl"
