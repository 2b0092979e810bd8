// optimizer.glsl with one subgroup per workgroup summed by shuffles (CPU devices).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#define SEGRT_SUBGROUP_TREE
#include "optimizer.glsl"
