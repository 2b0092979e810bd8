// Elementwise family: fill, add/sub/mul with broadcasting, scale, expand, the activations and
// their gradients (which read (saved, dy): saved is the forward input or output).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int OP = 0;

const int FILL = 0, ADD = 1, SUB = 2, MUL = 3, SCALE = 4, EXPAND = 5, RELU = 6, LEAKY = 7,
          SIGMOID = 8, TANH = 9, SILU = 10, RELU_G = 11, LEAKY_G = 12, SIGMOID_G = 13,
          TANH_G = 14, SILU_G = 15;

float sigm(float x) { return 1.0 / (1.0 + exp(-x)); }

void main() {
  const int i = gid();
  if (i >= p.n) return;
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
  float r;
  if (OP == ADD) r = x + float(b[ib]);
  else if (OP == SUB) r = x - float(b[ib]);
  else if (OP == MUL) r = x * float(b[ib]);
  else if (OP == SCALE) r = p.alpha * x;
  else if (OP == EXPAND) r = x;
  else if (OP == RELU) r = x > 0.0 ? x : 0.0;
  else if (OP == LEAKY) r = x > 0.0 ? x : p.alpha * x;
  else if (OP == SIGMOID) r = sigm(x);
  // tanh via exp of a non-positive argument: no overflow for large |x|.
  else if (OP == TANH) { float e = exp(-2.0 * abs(x)); r = sign(x) * (1.0 - e) / (1.0 + e); }
  else if (OP == SILU) r = x * sigm(x);
  else if (OP == RELU_G) r = x > 0.0 ? float(b[ib]) : 0.0;
  else if (OP == LEAKY_G) r = (x > 0.0 ? 1.0 : p.alpha) * float(b[ib]);
  else if (OP == SIGMOID_G) r = x * (1.0 - x) * float(b[ib]);
  else if (OP == TANH_G) r = (1.0 - x * x) * float(b[ib]);
  else if (OP == SILU_G) { float s = sigm(x); r = s * (1.0 + x * (1.0 - s)) * float(b[ib]); }
  o[i] = SF(r);
}
