// Second pass of the per-channel statistics: one invocation per channel merges, in split
// order, the partials norm_stats.comp wrote (a = partial[2 * (c * splits + s) + {0, 1}]).
// p.n = C, p.ex[0] = splits, p.ex[1] = split length, p.dims[0] = M (elements per channel).
// MODE 0 (batch_norm_train): partials are (mean, M2); Chan's merge (split s holds
// min(M, (s+1) * chunk) - s * chunk elements). Writes mean, invstd = 1 / sqrt(M2 / M + eps)
// (p.alpha = eps) and updates the running statistics in place, running = momentum * running +
// (1 - momentum) * batch with the unbiased variance M2 / (M - 1); momentum is the float with
// the bits of p.ex[2]. Bindings: 0 partials, 1 mean, 2 invstd, 3 running_mean, 4 running_var.
// MODE 1 (gradients): partials are (sum dy, sum dy * xhat); writes 1 dgamma = the second sum,
// 2 dbeta = the first.
// COEF = 1 (batch norm): also writes per channel the vec4 batch_norm.comp's elementwise pass
// needs, so that pass loads one vec4 per channel instead of five floats, to binding 7:
// MODE 0 (5 gamma, 6 beta): (sc, sh, 0, 0), sc = gamma * invstd, sh = beta - mean * sc;
// MODE 1 (3 mean, 4 invstd, 5 gamma): (gamma * invstd, dbeta / M, mean, invstd * dgamma / M).
#version 450
#extension GL_GOOGLE_include_directive : require
#define SEGRT_CUSTOM_BUFFERS
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Part { float part[]; };
layout(std430, binding = 1) writeonly buffer O1 { sfloat o1[]; };
layout(std430, binding = 2) writeonly buffer O2 { sfloat o2[]; };
layout(std430, binding = 3) buffer RMean { sfloat rmean[]; };
layout(std430, binding = 4) buffer RVar { sfloat rvar[]; };
layout(std430, binding = 5) readonly buffer Gamma { sfloat gamma[]; };
layout(std430, binding = 6) readonly buffer Beta { sfloat beta[]; };
layout(std430, binding = 7) writeonly buffer Coef { vec4 coef[]; };

layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const int COEF = 0;

void main() {
  const int c = gid();
  if (c >= p.n) return;
  const int splits = p.ex[0], chunk = p.ex[1], M = p.dims[0];
  const int first = 2 * c * splits;
  if (MODE == 1) {
    float sdy = 0.0, sdyx = 0.0;
    for (int s = 0; s < splits; ++s) {
      sdy += part[first + 2 * s];
      sdyx += part[first + 2 * s + 1];
    }
    o1[c] = SF(sdyx);
    o2[c] = SF(sdy);
    if (COEF != 0) {
      const float m = float(M), iv = float(rvar[c]);
      coef[c] = vec4(float(gamma[c]) * iv, sdy / m, float(rmean[c]), iv * (sdyx / m));
    }
    return;
  }
  float cnt = 0.0, mu = 0.0, m2 = 0.0;
  for (int s = 0; s < splits; ++s) {
    const float nb = float(min(M, (s + 1) * chunk) - s * chunk);
    if (nb <= 0.0) break;
    const float nt = cnt + nb, d = part[first + 2 * s] - mu;
    mu += d * (nb / nt);
    m2 += part[first + 2 * s + 1] + d * d * (cnt * nb / nt);
    cnt = nt;
  }
  const float mom = intBitsToFloat(p.ex[2]);
  const float ivs = 1.0 / sqrt(m2 / float(M) + p.alpha);
  o1[c] = SF(mu);
  o2[c] = SF(ivs);
  if (COEF != 0) {
    const float sc = float(gamma[c]) * ivs;
    coef[c] = vec4(sc, float(beta[c]) - mu * sc, 0.0, 0.0);
  }
  rmean[c] = SF(mom * float(rmean[c]) + (1.0 - mom) * mu);
  rvar[c] = SF(mom * float(rvar[c]) + (1.0 - mom) * (m2 / float(M - 1)));
}
