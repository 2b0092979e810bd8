// optimizer.glsl with a shared-memory tree over 256 invocations.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "optimizer.glsl"
