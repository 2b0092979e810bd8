// conv2d_grad_weight_direct.glsl with dy shared across each subgroup by shuffles.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require
#define SEGRT_DY_SHUFFLE
#include "conv2d_grad_weight_direct.glsl"
