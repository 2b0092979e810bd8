// conv2d without shared memory, for CPU Vulkan devices: see conv2d_direct.glsl.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "conv2d_direct.glsl"
