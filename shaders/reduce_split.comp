// reduce_split.glsl with a shared-memory tree over 128 invocations.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "reduce_split.glsl"
