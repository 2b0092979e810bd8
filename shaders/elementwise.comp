// Elementwise family: fill, add/sub/mul with broadcasting, scale, expand, the activations and
// their gradients (which read (saved, dy): saved is the forward input or output).
// VEC = 1 (the host checked p.rank == 0 and the element count is a multiple of 4): p.n counts
// vec4s and every access goes through the vec4 views, a quarter of the per-lane address loops
// lavapipe emits for a non-uniform load. VEC = 0: one float per invocation, broadcasting by
// the strides in p.sa / p.sb when p.rank > 0.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 0) readonly buffer A4 { sfloat4 a4[]; };
layout(std430, binding = 1) readonly buffer B { sfloat b[]; };
layout(std430, binding = 1) readonly buffer B4 { sfloat4 b4[]; };
layout(std430, binding = 2) writeonly buffer O { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer O4 { sfloat4 o4[]; };

layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int VEC = 0;

const int FILL = 0, ADD = 1, SUB = 2, MUL = 3, SCALE = 4, EXPAND = 5, RELU = 6, LEAKY = 7,
          SIGMOID = 8, TANH = 9, SILU = 10, RELU_G = 11, LEAKY_G = 12, SIGMOID_G = 13,
          TANH_G = 14, SILU_G = 15;

// Componentwise x > 0 and select, for float and vec4 alike (the ops below are written once).
bool pos(float x) { return x > 0.0; }
bvec4 pos(vec4 x) { return greaterThan(x, vec4(0.0)); }
float sel(bool c, float t, float f) { return c ? t : f; }
vec4 sel(bvec4 c, vec4 t, vec4 f) { return mix(f, t, c); }

// The op on x (input 0) and y (input 1, read only by the ops that take one).
#define SEGRT_ELEMENTWISE_OP(T)                                        \
  T sigm(T x) { return 1.0 / (1.0 + exp(-x)); }                        \
  T op(T x, T y) {                                                     \
    if (OP == ADD) return x + y;                                       \
    if (OP == SUB) return x - y;                                       \
    if (OP == MUL) return x * y;                                       \
    if (OP == SCALE) return p.alpha * x;                               \
    if (OP == EXPAND) return x;                                        \
    if (OP == RELU) return sel(pos(x), x, T(0.0));                     \
    if (OP == LEAKY) return sel(pos(x), x, p.alpha * x);               \
    if (OP == SIGMOID) return sigm(x);                                 \
    /* tanh via exp of a non-positive argument: no overflow. */        \
    if (OP == TANH) {                                                  \
      const T e = exp(-2.0 * abs(x));                                  \
      return sign(x) * (1.0 - e) / (1.0 + e);                          \
    }                                                                  \
    if (OP == SILU) return x * sigm(x);                                \
    if (OP == RELU_G) return sel(pos(x), y, T(0.0));                   \
    if (OP == LEAKY_G) return sel(pos(x), T(1.0), T(p.alpha)) * y;     \
    if (OP == SIGMOID_G) return x * (1.0 - x) * y;                     \
    if (OP == TANH_G) return (1.0 - x * x) * y;                        \
    if (OP == SILU_G) {                                                \
      const T s = sigm(x);                                             \
      return s * (1.0 + x * (1.0 - s)) * y;                            \
    }                                                                  \
    return T(p.alpha); /* FILL */                                      \
  }
SEGRT_ELEMENTWISE_OP(float)
SEGRT_ELEMENTWISE_OP(vec4)

// Ops reading input 1.
const bool BINARY = OP == ADD || OP == SUB || OP == MUL || OP >= RELU_G;

void main() {
  const int i = gid();
  if (i >= p.n) return;
  if (VEC != 0) {
    if (OP == FILL) {
      o4[i] = SF4(vec4(p.alpha));
      return;
    }
    const vec4 x = vec4(a4[i]);
    o4[i] = SF4(op(x, BINARY ? vec4(b4[i]) : x));
    return;
  }
  if (OP == FILL) {
    o[i] = SF(p.alpha);
    return;
  }
  int ia = i, ib = i;
  if (p.rank > 0) {
    SEGRT_OFFSET(i, p.sa, ia);
    SEGRT_OFFSET(i, p.sb, ib);
  }
  const float x = float(a[ia]);
  o[i] = SF(op(x, BINARY ? float(b[ib]) : x));
}
