// seg_loss, first pass: one invocation per pixel, each workgroup of 256 writing partial sums
// to partial[(workgroup * CH + c) * 3 + q] (shaders/seg_loss_final.comp adds them up).
// Region kinds: CH = K channels, q = (sum p*t, sum p (p^2 for dice_sq), sum t (t^2)).
// Other kinds: CH = 1, q = (the pixel's loss terms summed over channels, 0, 0).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
layout(local_size_x = 256) in;
#include "common.glsl"
#include "seg_loss.glsl"
#include "wg_sum.glsl"

layout(std430, binding = 2) writeonly buffer Partial { float partial[]; };

void main() {
  const int wg = wg_index();
  if (wg >= (p.n + 255) / 256) return;  // groups past the last (whole workgroups)
  const int px = wg * 256 + int(gl_LocalInvocationID.x), K = p.dims[1];
  const bool live = px < p.n;
  float m = 0.0, lse = 0.0;
  if (live && SOFTMAX != 0) softmax_stats(px, m, lse);
  if (region()) {
    for (int c = 0; c < K; ++c) {  // uniform loop: wg_sum holds barriers
      vec3 q = vec3(0.0);
      if (live) {
        const int i = at(px, c);
        const float zi = float(z[i]), ti = float(tg[i]);
        const float pr = SOFTMAX != 0 ? exp(zi - m - lse) : sigm(zi);
        q = KIND == DICE_SQ ? vec3(pr * ti, pr * pr, ti * ti) : vec3(pr * ti, pr, ti);
      }
      q = wg_sum(q);
      if (gl_LocalInvocationID.x == 0) {
        const int o_ = (wg * K + c) * 3;
        partial[o_] = q.x;
        partial[o_ + 1] = q.y;
        partial[o_ + 2] = q.z;
      }
    }
    return;
  }
  float s = 0.0;
  if (live)
    for (int c = 0; c < K; ++c) {
      const int i = at(px, c);
      const float zi = float(z[i]), ti = float(tg[i]);
      if (SOFTMAX == 0) {  // bce, or focal on sigmoid
        float l = 0.0, unused;
        if (KIND == FOCAL)
          focal_sigmoid(zi, ti, l, unused);
        else
          l = bce_term(zi, ti);
        s += l;
      } else if (ti != 0.0) {  // ce, or focal on softmax: -w t log p
        const float l = zi - m - lse;
        const float w = KIND == FOCAL ? ALPHA * spow(-expm1f(l), GAMMA) : 1.0;
        s -= w * ti * l;
      }
    }
  s = wg_sum(vec3(s, 0.0, 0.0)).x;
  if (gl_LocalInvocationID.x == 0) {
    partial[wg * 3] = s;
    partial[wg * 3 + 1] = 0.0;
    partial[wg * 3 + 2] = 0.0;
  }
}
