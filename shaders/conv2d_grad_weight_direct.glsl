// conv2d_grad_weight without shared memory, for CPU Vulkan devices (lavapipe), where the
// barriers of conv2d_grad_weight.comp's tiles cost more than their reuse buys:
//   dw[m][c][i][j] = sum over (n, oy, ox) of
//                    dy[n][m][oy][ox] * x[n][c][oy*SH-PH+i*DH][ox*SW-PW+j*DW]
// (m, c within one group). An invocation owns KR kernel rows from i and a block of RM output x
// RC input channels, all KW taps of those rows: RM*RC*KR*KW sums in registers. It walks the rows
// (n, oy) of its slice of the reduction, 4 output pixels a step: one vec4 of dy per output
// channel and, per input channel, a window of NW vec4s of the x row that slides by SW vec4s a
// step (only the new ones are loaded), so each load feeds RM*KW*4 or RC*KW*4 multiply-adds.
// On lavapipe every load is a loop over the SIMD lanes, so few wide loads are what counts.
//
// Slices: rows of the flat (n, oy) index cut into S slices of L rows; slice s writes its
// partial sums to out[s][CO][CI/G][KH][KW] (the scratch region, or dw itself when S = 1) and
// conv_sum_partials.comp adds them in slice order: deterministic, no atomics.
// VEC 1 (the host checks W % 4 == 0 and WO % 4 == 0): x and dy are read as aligned vec4s;
// VEC 0 reads the same vec4s float by float (any width, rows not ending on a vec4).
//
// KR = KH (small channel blocks, e.g. depthwise): an invocation takes every kernel row, RC*KR
// windows, so one dy load feeds KH rows; rows outside x are zeroed windows.
//
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 6 RM, 7 RC, 8 PW, 9 VEC, 10 local size,
// 11 SG (shuffle variant), 12 KR. KG = KH / KR kernel-row groups.
// Push constants: n = invocations with work, CB*MB*KG*G*S; dims = {N, CI, H, W, CO, HO};
// sa = {WO, PH, -, G, M = CO/G, CIG = CI/G}; sb = {L, S, CB = ceil(CIG/RC), MB = ceil(M/RM)}.
// Bindings: 0 x, 1 dy, 2 out. Invocation u = (((s * G + g) * KG + i / KR) * MB + mb) * CB + cb.
// SEGRT_DY_SHUFFLE (conv2d_grad_weight_direct_shuffle.comp, devices with subgroup shuffles):
// the lanes of a subgroup share (s, g, mb), so they need the same dy: lane l loads the dy
// vec4s of channels l, l + SG, ... and the others take them with subgroupShuffle. There
// u = ((s * G + g) * MB + mb) * P + (i / KR * CB + cb), P = CB*KG rounded up to a multiple of
// SG (sb[4]); the padding lanes and rows outside x run clamped, zeroed work (shuffles need
// every lane active). SG: the subgroup size.
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

layout(local_size_x_id = 10) in;

#include "conv_geometry.glsl"
layout(constant_id = 6) const int RM = 4;
layout(constant_id = 7) const int RC = 4;
layout(constant_id = 8) const int PW = 0;
layout(constant_id = 9) const int VEC = 0;
layout(constant_id = 12) const int KR = 1;  // kernel rows per invocation: 1 or KH
const int KG = KH / KR;                     // kernel-row groups
const int RCK = RC * KR;                    // x row windows per invocation

layout(std430, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, binding = 0) readonly buffer X4 { sfloat4 x4[]; };
layout(std430, binding = 1) readonly buffer DY { sfloat dy[]; };
layout(std430, binding = 1) readonly buffer DY4 { sfloat4 dy4[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat o[]; };
layout(std430, binding = 2) writeonly buffer Out32 { float o32[]; };  // slices (scratch, fp32)

#ifdef SEGRT_DY_SHUFFLE
layout(constant_id = 11) const int SG = 8;
const int NDY = (RM + SG - 1) / SG;  // dy vec4s each lane loads per step
#endif

// The window of a step starting at output column ox0 (a multiple of 4) begins P4 vec4s before
// input column ox0*SW, so pixel n's tap j is window element OFF + n*SW + j*DW.
const int P4 = (PW + 3) / 4;
const int OFF = 4 * P4 - PW;
const int NW = (OFF + 3 * SW + (KW - 1) * DW) / 4 + 1;
const int KEEP = NW > SW ? NW - SW : 0;  // window vec4s the next step reuses

// The 4 columns 4q .. 4q+3 of an x row starting at float `row`; columns outside the row are 0.
// ok false: the whole row is outside x (all 0).
vec4 xcols(int row, int q, int W, bool ok) {
  if (VEC != 0) {
    const vec4 v = vec4(x4[row / 4 + clamp(q, 0, W / 4 - 1)]);
    return ok && q >= 0 && 4 * q < W ? v : vec4(0.0);
  }
  vec4 v;
  [[unroll]] for (int e = 0; e < 4; ++e) {
    const int col = 4 * q + e;
    const float f = float(x[row + clamp(col, 0, W - 1)]);
    v[e] = ok && col >= 0 && col < W ? f : 0.0;
  }
  return v;
}

// dy at columns ox0 .. ox0+3 of a row starting at float `row`; columns past WO are 0.
vec4 dycols(int row, int ox0, int WO) {
  if (VEC != 0) return vec4(dy4[(row + ox0) / 4]);
  vec4 v;
  [[unroll]] for (int e = 0; e < 4; ++e) {
    const float f = float(dy[row + min(ox0 + e, WO - 1)]);
    v[e] = ox0 + e < WO ? f : 0.0;
  }
  return v;
}

void main() {
  const int N = p.dims[0], CI = p.dims[1], H = p.dims[2], W = p.dims[3];
  const int CO = p.dims[4], HO = p.dims[5], WO = p.sa[0], PH = p.sa[1];
  const int G = p.sa[3], M = p.sa[4], CIG = p.sa[5];
  const int L = p.sb[0], CB = p.sb[2], MB = p.sb[3];
  // Dead invocations compute the last unit's sums and skip the stores.
  const int u0 = gid(), u = min(u0, p.n - 1);
#ifdef SEGRT_DY_SHUFFLE
  const int P = p.sb[4], j = u % P, grp = u / P;
  const bool live = u0 < p.n && j < CB * KG;
  const int jc = min(j, CB * KG - 1), cb = jc % CB, ki = jc / CB * KR;
  const int mb = grp % MB, g = (grp / MB) % G, s = grp / MB / G;
  const int lane = int(gl_SubgroupInvocationID);
#else
  const bool live = u0 < p.n;
  const int cb = u % CB, mb = (u / CB) % MB, rest = u / (CB * MB);
  const int ki = rest % KG * KR, g = (rest / KG) % G, s = rest / KG / G;
#endif
  const int c0 = cb * RC, m0 = mb * RM;
  const int HW = H * W, HWO = HO * WO;

  // Channel offsets inside an image; blocks past the group's end repeat its last channel.
  int xoff[RC], dyoff[RM];  // the shuffle variant uses NDY of dyoff
  [[unroll]] for (int c = 0; c < RC; ++c) xoff[c] = (g * CIG + min(c0 + c, CIG - 1)) * HW;
#ifdef SEGRT_DY_SHUFFLE
  // Slot k of lane l: channel k * SG + l of the block.
  [[unroll]] for (int k = 0; k < NDY; ++k)
    dyoff[k] = (g * M + min(m0 + min(k * SG + lane, RM - 1), M - 1)) * HWO;
#else
  [[unroll]] for (int m = 0; m < RM; ++m) dyoff[m] = (g * M + min(m0 + m, M - 1)) * HWO;
#endif

  float acc[RM * RCK * KW];
  [[unroll]] for (int k = 0; k < RM * RCK * KW; ++k) acc[k] = 0.0;

  const int r1 = min(N * HO, (s + 1) * L);
  for (int r = s * L; r < r1; ++r) {
    const int img = r / HO, oy = r - img * HO;
    const int iy0 = oy * SH - PH + ki * DH;
#ifndef SEGRT_DY_SHUFFLE
    // One kernel row: rows outside x are skipped. Otherwise (and where lanes of other kernel
    // rows need this row's dy for their shuffles) the x window is zeroed instead.
    if (KR == 1 && (iy0 < 0 || iy0 >= H)) continue;
#endif
    // Window t = c * KR + kr: input channel c0 + c, kernel row ki + kr.
    int xrow[RCK];
    bool rowok[RCK];
    [[unroll]] for (int t = 0; t < RCK; ++t) {
      const int iy = iy0 + t % KR * DH;
      rowok[t] = iy >= 0 && iy < H;
      xrow[t] = img * CI * HW + xoff[t / KR] + clamp(iy, 0, H - 1) * W;
    }
    const int dyrow = img * CO * HWO + oy * WO;
    vec4 win[RCK * NW];
    [[unroll]] for (int t = 0; t < RCK; ++t)
      [[unroll]] for (int k = 0; k < KEEP; ++k)
        win[t * NW + k] = xcols(xrow[t], k - P4, W, rowok[t]);
    for (int ox0 = 0; ox0 < WO; ox0 += 4) {
      const int q0 = ox0 * SW / 4 - P4;
      [[unroll]] for (int t = 0; t < RCK; ++t)
        [[unroll]] for (int k = KEEP; k < NW; ++k)
          win[t * NW + k] = xcols(xrow[t], q0 + k, W, rowok[t]);
      vec4 d[RM];
#ifdef SEGRT_DY_SHUFFLE
      vec4 dl[NDY];
      [[unroll]] for (int k = 0; k < NDY; ++k) dl[k] = dycols(dyrow + dyoff[k], ox0, WO);
      [[unroll]] for (int m = 0; m < RM; ++m) d[m] = subgroupShuffle(dl[m / SG], m % SG);
#else
      [[unroll]] for (int m = 0; m < RM; ++m) d[m] = dycols(dyrow + dyoff[m], ox0, WO);
#endif
      [[unroll]] for (int m = 0; m < RM; ++m) {
        [[unroll]] for (int t = 0; t < RCK; ++t) {
          [[unroll]] for (int j = 0; j < KW; ++j) {
            float a = acc[(m * RCK + t) * KW + j];
            [[unroll]] for (int n = 0; n < 4; ++n) {
              const int e = OFF + n * SW + j * DW;
              a = fma(d[m][n], win[t * NW + e / 4][e % 4], a);
            }
            acc[(m * RCK + t) * KW + j] = a;
          }
        }
      }
      [[unroll]] for (int t = 0; t < RCK; ++t)
        [[unroll]] for (int k = 0; k < KEEP; ++k) win[t * NW + k] = win[t * NW + k + SW];
    }
  }

  // One output channel's RCK*KW sums per iteration, then the block moves up: only those stores
  // are unrolled (each is a loop over the SIMD lanes) and every accumulator index is constant.
  const int TAPS = KH * KW;
  [[dont_unroll]] for (int m = 0; m < RM; ++m) {
    if (live && m0 + m < M) {
      const int base = ((s * CO + g * M + m0 + m) * CIG + c0) * TAPS + ki * KW;
      [[unroll]] for (int t = 0; t < RCK; ++t)
        if (c0 + t / KR < CIG)
          [[unroll]] for (int j = 0; j < KW; ++j) {
            const int i = base + t / KR * TAPS + t % KR * KW + j;
            if (scratch_binding(2))
              o32[i] = acc[t * KW + j];
            else
              o[i] = SF(acc[t * KW + j]);
          }
    }
    [[unroll]] for (int k = 0; k < (RM - 1) * RCK * KW; ++k) acc[k] = acc[k + RCK * KW];
  }
}
