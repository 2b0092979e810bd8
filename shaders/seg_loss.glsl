// Shared by the seg_loss shaders (runtime/cpu/loss.cpp's definitions): the loss attributes as
// specialisation constants, logits z and target t at bindings 0 and 1 viewed as [N, K, S]
// (S: the spatial extent), and the per-element and per-pixel terms. Push constants:
// p.n = pixels (N*S), p.dims = {N, K, S}. SEG_LOSS_NO_LOGITS: a shader that reads sums only.
#include "fmath.glsl"

// graph/ops/loss.h's LossKind order.
const int BCE = 0, DICE = 1, DICE_SQ = 2, LOG_DICE = 3, FOCAL = 4, TVERSKY = 5,
          FOCAL_TVERSKY = 6, CE = 7, MDICE = 8;

layout(constant_id = 0) const int KIND = 0;
layout(constant_id = 1) const int SOFTMAX = 0;
layout(constant_id = 2) const int FIRST = 0;  // first channel of the region average
layout(constant_id = 3) const float GAMMA = 0.0;
layout(constant_id = 4) const float ALPHA = 0.0;
layout(constant_id = 5) const float BETA = 0.0;
layout(constant_id = 6) const float SMOOTH = 1.0;

bool region() { return KIND != BCE && KIND != FOCAL && KIND != CE; }

#ifndef SEG_LOSS_NO_LOGITS
layout(std430, binding = 0) readonly buffer Z { sfloat z[]; };
layout(std430, binding = 1) readonly buffer T { sfloat tg[]; };

// Index of channel c of pixel px.
int at(int px, int c) {
  const int K = p.dims[1], S = p.dims[2];
  return ((px / S) * K + c) * S + px % S;
}

// Log-sum-exp of the pixel's logits around their maximum m (log1p of the other channels' sum,
// so log p stays accurate when one channel dominates): log p_c = z_c - m - lse.
void softmax_stats(int px, out float m, out float lse) {
  const int K = p.dims[1];
  int jmax = 0;
  m = float(z[at(px, 0)]);
  for (int c = 1; c < K; ++c) {
    const float v = float(z[at(px, c)]);
    if (v > m) {
      m = v;
      jmax = c;
    }
  }
  float rest = 0.0;
  for (int c = 0; c < K; ++c)
    if (c != jmax) rest += exp(float(z[at(px, c)]) - m);
  lse = log1pf(rest);
}

// BCE with logits without overflow for large |z|.
float bce_term(float zi, float ti) {
  return max(zi, 0.0) - zi * ti + log1pf(exp(-abs(zi)));
}

// Sigmoid focal loss term and its derivative in z.
void focal_sigmoid(float zi, float ti, out float loss, out float dz) {
  const float pr = sigm(zi), pm = sigm(-zi);
  const float ce = bce_term(zi, ti);
  const float q = ti * pm + (1.0 - ti) * pr;
  const float at_ = ALPHA * ti + (1.0 - ALPHA) * (1.0 - ti);
  const float qg = spow(q, GAMMA);
  loss = at_ * qg * ce;
  const float dq = (1.0 - 2.0 * ti) * pr * pm;
  const float dqg = q > 0.0 ? GAMMA * pow(q, GAMMA - 1.0) * dq : 0.0;
  dz = at_ * (dqg * ce + qg * (pr - ti));
}
#endif
