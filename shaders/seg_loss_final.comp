// seg_loss, second pass: one workgroup of 256 adds up the G = p.dims[3] workgroups' partial
// sums of shaders/seg_loss_sums.comp (strided shares in order, then a tree), per channel for
// the region kinds. Bindings: 0 = the partials, 1 = dy ([1], GRAD only), 2 = out.
// GRAD 0: out[0] = the loss. GRAD 1 (region kinds only): out[3c .. 3c+2] = (ct, c1, cp), the
// coefficients of d loss / d p_i = ct t_i + c1 + cp p_i for channel c, scaled by dy / the
// channels averaged (0 for a skipped background channel).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#define SEG_LOSS_NO_LOGITS
layout(local_size_x = 256) in;
#include "common.glsl"
#include "seg_loss.glsl"
#include "wg_sum.glsl"

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) readonly buffer Dy { sfloat dy[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer Out32 { float o32[]; };  // coefficients (scratch)

layout(constant_id = 7) const int GRAD = 0;

// Loss of one channel from its sums (inter, p, t).
float region_loss(vec3 s) {
  const float inter = s.x, sp = s.y, st = s.z;
  if (KIND == DICE || KIND == DICE_SQ || KIND == MDICE)
    return 1.0 - (2.0 * inter + SMOOTH) / (sp + st + SMOOTH);
  if (KIND == LOG_DICE) return log(sp + st + SMOOTH) - log(2.0 * inter + SMOOTH);
  const float fn = st - inter, fp = sp - inter;
  const float tv = 1.0 - (inter + SMOOTH) / (inter + ALPHA * fn + BETA * fp + SMOOTH);
  if (KIND == TVERSKY) return tv;
  return spow(max(tv, 0.0), GAMMA);
}

// (ct, c1, cp) of one channel.
vec3 region_grad(vec3 s) {
  const float inter = s.x, sp = s.y, st = s.z;
  if (KIND == DICE || KIND == DICE_SQ || KIND == MDICE) {
    const float den = sp + st + SMOOTH, num = 2.0 * inter + SMOOTH;
    const float q = num / (den * den);
    // d den / d p_i is 1, or 2 p_i for the squared form.
    return KIND == DICE_SQ ? vec3(-2.0 / den, 0.0, 2.0 * q) : vec3(-2.0 / den, q, 0.0);
  }
  if (KIND == LOG_DICE) return vec3(-2.0 / (2.0 * inter + SMOOTH), 1.0 / (sp + st + SMOOTH), 0.0);
  const float fn = st - inter, fp = sp - inter;
  const float num = inter + SMOOTH, den = inter + ALPHA * fn + BETA * fp + SMOOTH;
  // d den / d p_i = (1 - alpha) t_i + beta (1 - t_i)
  vec3 g = vec3(-1.0 / den + num * (1.0 - ALPHA - BETA) / (den * den), num * BETA / (den * den),
                0.0);
  if (KIND == FOCAL_TVERSKY) {
    const float tv = 1.0 - num / den;
    g *= tv > 0.0 ? GAMMA * pow(tv, GAMMA - 1.0) : 0.0;
  }
  return g;
}

void main() {
  const int K = p.dims[1], G = p.dims[3], CH = region() ? K : 1;
  const bool lead = gl_LocalInvocationID.x == 0;
  float loss = 0.0;
  for (int c = 0; c < CH; ++c) {
    vec3 s = vec3(0.0);
    for (int g = int(gl_LocalInvocationID.x); g < G; g += 256) {
      const int k = (g * CH + c) * 3;
      s += vec3(partial[k], partial[k + 1], partial[k + 2]);
    }
    s = wg_sum(s);
    if (!lead) {
    } else if (!region()) {
      // bce and sigmoid focal average over every element, ce and softmax focal over pixels.
      loss = s.x / (SOFTMAX != 0 ? float(p.n) : float(p.n) * float(K));
    } else if (GRAD == 0) {
      if (c >= FIRST) loss += region_loss(s);
    } else {
      const vec3 g = c >= FIRST ? region_grad(s) * (float(dy[0]) / float(K - FIRST)) : vec3(0.0);
      if (scratch_binding(2)) {
        o32[3 * c] = g.x;
        o32[3 * c + 1] = g.y;
        o32[3 * c + 2] = g.z;
      } else {
        o[3 * c] = SF(g.x);
        o[3 * c + 1] = SF(g.y);
        o[3 * c + 2] = SF(g.z);
      }
    }
  }
  if (lead && GRAD == 0) o[0] = SF(region() ? loss / float(K - FIRST) : loss);
}
