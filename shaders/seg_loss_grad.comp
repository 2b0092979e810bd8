// seg_loss_grad: one invocation per pixel writing dz for its K channels. Binding 2 holds
// dy ([1]) for bce, focal and ce, or, for the region kinds, the per-channel coefficients
// (ct, c1, cp) * dy / channels from shaders/seg_loss_final.comp (d loss / d p_i = ct t_i + c1 +
// cp p_i). Through sigmoid: dz = g σ(z) σ(-z); through softmax: dz_j = p_j (g_j - sum_k p_k g_k);
// through log-softmax (ce, softmax focal, g = d loss / d log p): dz_j = g_j - p_j sum_k g_k.
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"
#include "seg_loss.glsl"

layout(std430, binding = 2) readonly buffer Coef { sfloat cf_[]; };
// Region kinds: per-channel coefficients in scratch (fp32 in both variants).
layout(std430, binding = 2) readonly buffer Coef32 { float cf32[]; };

float cf(int k) {
  return scratch_binding(2) ? cf32[k] : float(cf_[k]);
}
layout(std430, binding = 3) writeonly buffer Dz { sfloat dz[]; };

// g of element i (channel c) with probability pr, log-probability l.
float grad_term(int i, int c, float pr, float l) {
  const float ti = float(tg[i]);
  if (region()) return cf(3 * c) * ti + cf(3 * c + 1) + cf(3 * c + 2) * pr;
  const float w = cf(0) / float(p.n);  // dy / pixels
  if (KIND == CE) return -w * ti;
  // d/dl [-alpha t (1-e^l)^gamma l] = -alpha t [(1-p)^gamma - gamma p l (1-p)^(gamma-1)]
  const float om = -expm1f(l);
  const float tail = om > 0.0 ? GAMMA * pr * l * pow(om, GAMMA - 1.0) : 0.0;
  return ti == 0.0 ? 0.0 : -w * ALPHA * ti * (spow(om, GAMMA) - tail);
}

void main() {
  const int px = gid();
  if (px >= p.n) return;
  const int K = p.dims[1];
  if (SOFTMAX == 0) {
    const float w = cf(0) / (float(p.n) * float(K));  // bce, focal: dy / elements
    for (int c = 0; c < K; ++c) {
      const int i = at(px, c);
      const float zi = float(z[i]);
      float g;
      if (region()) {
        g = grad_term(i, c, sigm(zi), 0.0) * sigm(zi) * sigm(-zi);
      } else if (KIND == FOCAL) {
        float unused;
        focal_sigmoid(zi, float(tg[i]), unused, g);
        g *= w;
      } else {
        g = w * (sigm(zi) - float(tg[i]));
      }
      dz[i] = SF(g);
    }
    return;
  }
  float m, lse;
  softmax_stats(px, m, lse);
  const bool wrt_log = !region();
  float acc = 0.0;
  for (int c = 0; c < K; ++c) {
    const int i = at(px, c);
    const float l = float(z[i]) - m - lse, pr = exp(l), g = grad_term(i, c, pr, l);
    acc += wrt_log ? g : pr * g;
  }
  for (int c = 0; c < K; ++c) {
    const int i = at(px, c);
    const float l = float(z[i]) - m - lse, pr = exp(l), g = grad_term(i, c, pr, l);
    dz[i] = SF(wrt_log ? g - pr * acc : pr * (g - acc));
  }
}
