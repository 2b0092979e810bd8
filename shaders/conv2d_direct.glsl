// conv2d without shared memory, for CPU Vulkan devices (lavapipe), where a workgroup barrier
// costs more than the reuse it buys. Each invocation computes RM output channels x RN
// consecutive output pixels of one row. The channel block, group and image come from the
// workgroup id, so every weight load is the same address across the workgroup: llvmpipe turns
// those into one scalar load and a broadcast, while per-invocation addresses cost a load per
// lane. Each source row segment is loaded once and reused by all KW taps.
//
// Grid: x = workgroups of row segments (XB = ceil(WD / RN) per row), y = ceil(M / RM) channel
// blocks, z = (more segment workgroups, row phase, image and group); see main().
// TRANSPOSED 1: the adjoint pass (conv2d_grad_input, conv_transpose2d): src is dy
// [N, CS, HS, WS], w is [CS, CD/G, KH, KW], and dst pixel (y, x) takes tap (i, j) from src
// ((y + PH - i*DH) / SH, (x + PW - j*DW) / SW) when both divisions are exact and inside src.
// RN is a multiple of SW there, so which taps each of the RN pixels takes is known at load.
//
// Specialisation constants: 0-5 KH, KW, SH, SW, DH, DW; 6-9 the epilogue (conv_epilogue.glsl);
// 10 RM, 11 RN, 12 TRANSPOSED, 13 PH, 14 PW, 15 the workgroup size, 16 VEC, 17 VEC_OUT.
// Push constants: n = segments per phase, ceil(HD / YSTEP) * XB; dims = {N, CS, HS, WS, CD, HD}; sa = {WD, -, -, G, M, XB};
// sb[0] = NG;
// alpha = leaky_relu slope. Bindings: 0 x, 1 w, 2 y, 3-6 epilogue.
// SEGRT_WEIGHT_SHUFFLE (conv2d_direct_shuffle.comp, devices with subgroup shuffles): lane j of
// each subgroup loads weight j of the RM x KW block a kernel row needs and the others take it
// with subgroupShuffle, so SG lanes share one load loop instead of running one each.
// Specialisation constant 18 SG: the subgroup size (the workgroup size is a multiple of it).
#define SEGRT_CUSTOM_BUFFERS
#define SEGRT_CUSTOM_WORKGROUP
#include "common.glsl"

layout(local_size_x_id = 15) in;

#include "conv_geometry.glsl"
layout(constant_id = 10) const int RM = 4;
layout(constant_id = 11) const int RN = 4;
layout(constant_id = 12) const int TRANSPOSED = 0;
layout(constant_id = 13) const int PH = 0;
layout(constant_id = 14) const int PW = 0;

layout(constant_id = 16) const int VEC = 0;

layout(std430, binding = 0) readonly buffer Src { sfloat src[]; };
// The same buffer read four floats at a time (VEC 1): a load is a loop over the SIMD lanes on
// lavapipe, so a vec4 load costs little more than a float.
layout(std430, binding = 0) readonly buffer Src4 { sfloat4 src4[]; };
layout(std430, binding = 1) readonly buffer Wt { sfloat wt[]; };
layout(constant_id = 17) const int VEC_OUT = 0;
layout(std430, binding = 2) writeonly buffer Dst { sfloat dst[]; };
// VEC_OUT 1 (WD % 4 == 0, RN % 4 == 0): outputs are stored four at a time.
layout(std430, binding = 2) writeonly buffer Dst4 { sfloat4 dst4[]; };
#include "conv_epilogue.glsl"

// Source columns one row segment reads, relative to its first: forward, RN pixels at stride SW
// plus the KW taps; transposed, the columns (ox0 + n + PW - j*DW) / SW for every exact tap,
// offset by BIAS so the floor division never sees a negative number.
const int BIAS = 64;
// Kernel rows an output row can take step by SH in the transposed pass (when DH = 1).
const int YSTEP = TRANSPOSED != 0 && DH == 1 ? SH : 1;
const int T_LO = (PW - (KW - 1) * DW + BIAS * SW) / SW - BIAS;
const int T_HI = (RN - 1 + PW + BIAS * SW) / SW - BIAS;
const int RW = TRANSPOSED == 0 ? (RN - 1) * SW + (KW - 1) * DW + 1 : T_HI - T_LO + 1;
// VEC 1 (the host checks WS % 4 == 0 and that the segment start below is a multiple of 4): the
// row segment is read as NV aligned vec4s starting OFFM floats before its first column.
const int OFF0 = TRANSPOSED == 0 ? -PW : T_LO;
const int OFFM = (OFF0 % 4 + 4) % 4;
const int NV = (OFFM + RW + 3) / 4;
const int RN4 = (RN + 3) / 4;

#ifdef SEGRT_WEIGHT_SHUFFLE
layout(constant_id = 18) const int SG = 8;
const int NWB = (RM * KW + SG - 1) / SG;
#endif

void main() {
  // z = ((zx * YSTEP) + phase) * NG + image * G + group; x and zx count workgroups of
  // row segments of one phase (a strided transposed pass takes its rows by oy % SH, so every
  // invocation of a workgroup runs the same kernel rows: the weight shuffle below needs that).
  const int NG = p.sb[0], zc = int(gl_WorkGroupID.z), zg = zc % NG;
  const int phase = (zc / NG) % YSTEP, zx = zc / NG / YSTEP;
  const int s = (zx * int(gl_NumWorkGroups.x) + int(gl_WorkGroupID.x)) * int(gl_WorkGroupSize.x) +
                int(gl_LocalInvocationID.x);
  const int CS = p.dims[1], HS = p.dims[2], WS = p.dims[3];
  const int CD = p.dims[4], HD = p.dims[5], WD = p.sa[0];
  const int G = p.sa[3], M = p.sa[4], XB = p.sa[5];
  // Dead invocations compute a real segment of their phase and skip the stores: no branch
  // around the loads.
  const int sc = min(s, p.n - 1);
  const int ox0 = (sc % XB) * RN, q = sc / XB;
  const bool live = s < p.n && phase + YSTEP * q < HD;
  const int oy = phase + YSTEP * min(q, max(HD - 1 - phase, 0) / YSTEP);
  const int m0 = int(gl_WorkGroupID.y) * RM;
  const int g = zg % G, img = zg / G;
  const int CSG = CS / G, HWS = HS * WS;

  // Four pixels per accumulator: the compiler's intermediate form then has a quarter of the
  // multiply-adds and loop-carried values (lavapipe creates a pipeline in about half the
  // time), while llvmpipe still runs each component on its own SIMD register.
  vec4 acc[RM * RN4];
  [[unroll]] for (int q = 0; q < RM * RN4; ++q) acc[q] = vec4(0.0);
  // Weight of (m, c, tap): wrow[m] + c * cstride + tap. Rows past M read row M - 1.
  const int TAPS = KH * KW;
  const int cstride = TRANSPOSED == 0 ? TAPS : M * TAPS;
#define wrow_of(m) \
  (TRANSPOSED == 0 ? (g * M + min(m0 + (m), M - 1)) * CSG * TAPS \
                   : g * CSG * M * TAPS + min(m0 + (m), M - 1) * TAPS)
#ifndef SEGRT_WEIGHT_SHUFFLE
  int wrow[RM];
  [[unroll]] for (int m = 0; m < RM; ++m) wrow[m] = wrow_of(m);
#endif
#ifdef SEGRT_WEIGHT_SHUFFLE
  // Slot k of lane l holds weight j = k * SG + l of the block: (m, kj) = (j / KW, j % KW).
  const int lane = int(gl_SubgroupInvocationID);
  int wl[NWB];
  [[unroll]] for (int k = 0; k < NWB; ++k) {
    const int j = min(k * SG + lane, RM * KW - 1);
    wl[k] = wrow_of(j / KW) + j % KW;
  }
#endif
  const int col0 = TRANSPOSED == 0 ? ox0 * SW - PW : ox0 / SW + T_LO;

  const int sbase = (img * CS + g * CSG) * HWS;
  for (int c = 0; c < CSG; ++c) {
    const int cbase = sbase + c * HWS;
    // Not unrolled: the unrolled KW x RM x RN body is already as large as compiles quickly.
    [[dont_unroll]] for (int ki = YSTEP == 1 ? 0 : (oy + PH) % SH; ki < KH; ki += YSTEP) {
      int iy;
      bool rowok;
      if (TRANSPOSED == 0) {
        iy = oy * SH - PH + ki * DH;
        rowok = iy >= 0 && iy < HS;
      } else {
        const int ry = oy + PH - ki * DH;
        iy = (ry + BIAS * SH) / SH - BIAS;
        rowok = ry >= 0 && iy * SH == ry && iy < HS;
      }
      const int rowbase = cbase + clamp(iy, 0, HS - 1) * WS;
      float r[RW];
      if (VEC != 0) {
        // Columns outside the row read a clamped vec4 and are zeroed below.
        const int q0 = (col0 - OFFM) / 4, rq = rowbase / 4, W4 = WS / 4;
        vec4 v[NV];
        [[unroll]] for (int k = 0; k < NV; ++k) v[k] = vec4(src4[rq + clamp(q0 + k, 0, W4 - 1)]);
        [[unroll]] for (int e = 0; e < RW; ++e) {
          const int ix = col0 + e;
          r[e] = rowok && ix >= 0 && ix < WS ? v[(OFFM + e) / 4][(OFFM + e) % 4] : 0.0;
        }
      } else {
        [[unroll]] for (int e = 0; e < RW; ++e) {
          const int ix = col0 + e;
          const float v = float(src[rowbase + clamp(ix, 0, WS - 1)]);
          r[e] = rowok && ix >= 0 && ix < WS ? v : 0.0;
        }
      }
#ifdef SEGRT_WEIGHT_SHUFFLE
      float wv[NWB];
      [[unroll]] for (int k = 0; k < NWB; ++k) wv[k] = float(wt[wl[k] + c * cstride + ki * KW]);
#endif
      // The source value of each pixel for each tap (0 where a transposed pixel skips it).
      vec4 xv[KW * RN4];
      [[unroll]] for (int kj = 0; kj < KW; ++kj)
        [[unroll]] for (int n = 0; n < RN4 * 4; ++n) {
          float v = 0.0;
          if (TRANSPOSED == 0) {
            v = r[min(n, RN - 1) * SW + kj * DW];
          } else {
            // Pixel ox0 + n takes tap kj iff (n + PW - kj*DW) is a multiple of SW (ox0 is).
            const int rx = min(n, RN - 1) + PW - kj * DW;
            if ((rx + BIAS * SW) % SW == 0) v = r[(rx + BIAS * SW) / SW - BIAS - T_LO];
          }
          xv[kj * RN4 + n / 4][n % 4] = v;
        }
      // Each accumulator takes all KW taps in a row: the block does not fit in registers, and
      // this way it is loaded and stored once per kernel row instead of once per tap.
      [[unroll]] for (int m = 0; m < RM; ++m) {
        float w[KW];
        [[unroll]] for (int kj = 0; kj < KW; ++kj) {
#ifdef SEGRT_WEIGHT_SHUFFLE
          w[kj] = subgroupShuffle(wv[(m * KW + kj) / SG], (m * KW + kj) % SG);
#else
          w[kj] = float(wt[wrow[m] + c * cstride + ki * KW + kj]);
#endif
        }
        [[unroll]] for (int n4 = 0; n4 < RN4; ++n4) {
          vec4 a = acc[m * RN4 + n4];
          [[unroll]] for (int kj = 0; kj < KW; ++kj) a = fma(vec4(w[kj]), xv[kj * RN4 + n4], a);
          acc[m * RN4 + n4] = a;
        }
      }
    }
  }
  // One channel's RN outputs per iteration, then the block moves up a row: only RN stores
  // are unrolled (each store is a loop over the SIMD lanes, and RM x RN of them took minutes
  // to compile), and every accumulator index stays a constant.
  const int HWD = HD * WD;
  [[dont_unroll]] for (int m = 0; m < RM; ++m) {
    const int co = g * M + m0 + m;
    if (live && m0 + m < M) {
      const int base = (img * CD + co) * HWD + oy * WD;
      if (VEC_OUT != 0) {
        [[unroll]] for (int n = 0; n < RN; n += 4) {
          const int i = base + ox0 + n;
          if (ox0 + n < WD)
            dst4[i / 4] =
                SF4(vec4(epilogue(acc[n / 4].x, co, i), epilogue(acc[n / 4].y, co, i + 1),
                         epilogue(acc[n / 4].z, co, i + 2), epilogue(acc[n / 4].w, co, i + 3)));
        }
      } else {
        [[unroll]] for (int n = 0; n < RN; ++n) {
          const int ox = ox0 + n;
          if (ox < WD) dst[base + ox] = SF(epilogue(acc[n / 4][n % 4], co, base + ox));
        }
      }
    }
    [[unroll]] for (int q = 0; q < (RM - 1) * RN4; ++q) acc[q] = acc[q + RN4];
  }
}
