// Convolution as GEMM: each image's output rows are cut into tiles whose im2col matrix fits in
// cache; a tile is one single-threaded GEMM per group, and OpenMP spreads (image, tile) tasks
// over the threads. 1x1 stride-1 unpadded convolutions skip im2col: the image is the matrix.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/cpu/conv.h"
#include "runtime/cpu/gemm.h"

namespace segrt::cpu {

ConvGeom conv_geom(const Shape& x, const Shape& w, const Shape& y, const ConvParams& p) {
  return ConvGeom{.n = x[0],
                  .cin = x[1],
                  .h = x[2],
                  .w = x[3],
                  .cout = w[0],
                  .kh = w[2],
                  .kw = w[3],
                  .ho = y[2],
                  .wo = y[3],
                  .sh = p.stride[0],
                  .sw = p.stride[1],
                  .ph = p.pad[0],
                  .pw = p.pad[1],
                  .dh = p.dilation[0],
                  .dw = p.dilation[1],
                  .groups = p.groups};
}

namespace {

int max_threads() {
  return omp_get_max_threads();
}
int thread_id() {
  return omp_get_thread_num();
}

// A per-thread buffer that lives across calls, so tiles do not allocate.
template <typename T>
T* scratch(size_t n) {
  static thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// An im2col tile of about this many bytes stays in a core's L2 between im2col and the GEMM
// that packs it.
constexpr int64_t kTileBytes = 512 * 1024;
constexpr int64_t kMinTileCols = 256;

// Output rows per tile and the number of tiles per image.
struct Tiling {
  int64_t rows, count;
  int64_t r0(int64_t t) const { return t * rows; }
};

Tiling make_tiling(const ConvGeom& g, int64_t col_rows, size_t elem, int threads) {
  int64_t rows = g.ho;
  if (col_rows > 0) {
    const int64_t cols = std::max<int64_t>(kMinTileCols, kTileBytes / (col_rows * int64_t(elem)));
    rows = std::clamp<int64_t>(cols / g.wo, 1, g.ho);
  }
  // A batch smaller than the thread count: cut images so every thread gets work.
  if (g.n < threads) {
    const int64_t per_image = (threads + g.n - 1) / g.n;
    rows = std::min(rows, std::max<int64_t>(1, (g.ho + per_image - 1) / per_image));
  }
  return {rows, (g.ho + rows - 1) / rows};
}

// Tile of the im2col matrix for output rows [r0, r1): row (c, i, j) holds, for every output
// position of the tile, the input pixel under tap (i, j) of channel c (0 in the padding).
template <typename T>
void im2col(const ConvGeom& g, const T* x, int64_t r0, int64_t r1, T* col) {
  const int64_t cols = (r1 - r0) * g.wo;
  for (int64_t c = 0; c < g.cin; ++c) {
    const T* xc = x + c * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T* dst = col + ((c * g.kh + i) * g.kw + j) * cols;
        const int64_t off = j * g.dw - g.pw;
        int64_t lo, hi;
        tap_range(off, g.sw, g.w, g.wo, lo, hi);
        for (int64_t oh = r0; oh < r1; ++oh) {
          T* d = dst + (oh - r0) * g.wo;
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.h) {
            std::fill(d, d + g.wo, T(0));
            continue;
          }
          const T* xr = xc + ih * g.w;
          std::fill(d, d + lo, T(0));
          if (g.sw == 1) {
            std::memcpy(d + lo, xr + lo + off, size_t(hi - lo) * sizeof(T));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) d[ow] = xr[ow * g.sw + off];
          }
          std::fill(d + hi, d + g.wo, T(0));
        }
      }
  }
}

// Adds the im2col-shaped tile `col` (output rows [r0, r1)) back onto channels [c0, c1) of dx.
template <typename T>
void col2im(const ConvGeom& g, const T* col, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
            T* dx) {
  const int64_t cols = (r1 - r0) * g.wo;
  for (int64_t c = c0; c < c1; ++c) {
    T* xc = dx + c * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* src = col + ((c * g.kh + i) * g.kw + j) * cols;
        const int64_t off = j * g.dw - g.pw;
        int64_t lo, hi;
        tap_range(off, g.sw, g.w, g.wo, lo, hi);
        for (int64_t oh = r0; oh < r1; ++oh) {
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          const T* s = src + (oh - r0) * g.wo;
          T* xr = xc + ih * g.w;
          if (g.sw == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow + off] += s[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow * g.sw + off] += s[ow];
          }
        }
      }
  }
}

// The B operand of a tile: the image itself for pointwise convolutions, else its im2col tile
// (built into `col`). Group gi's rows start at ptr + gi * kdim * ld.
template <typename T>
struct TileOperand {
  const T* ptr;
  int64_t ld;
};

template <typename T>
TileOperand<T> tile_operand(const ConvGeom& g, const T* xn, int64_t r0, int64_t r1) {
  if (g.pointwise()) return {xn + r0 * g.wo, g.h * g.w};
  const int64_t cols = (r1 - r0) * g.wo;
  T* col = scratch<T>(size_t(g.cin * g.taps() * cols));
  im2col(g, xn, r0, r1, col);
  return {col, cols};
}

template <typename T>
void gemm_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  const int threads = max_threads();
  const Tiling t = make_tiling(g, g.pointwise() ? 0 : g.cin * g.taps(), sizeof(T), threads);
  const int64_t hw_out = g.ho * g.wo, kd = g.kdim(), kg = g.cout_g();
  BlasSingleThread one;
#pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < g.n * t.count; ++task) {
    const int64_t ni = task / t.count, r0 = t.r0(task % t.count);
    const int64_t r1 = std::min(g.ho, r0 + t.rows), cols = (r1 - r0) * g.wo;
    const TileOperand<T> b = tile_operand(g, x + ni * g.cin * g.h * g.w, r0, r1);
    T* yn = y + ni * g.cout * hw_out + r0 * g.wo;
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      T* c = yn + gi * kg * hw_out;
      if (bias)
        for (int64_t o = 0; o < kg; ++o)
          std::fill(c + o * hw_out, c + o * hw_out + cols, bias[gi * kg + o]);
      gemm(false, false, kg, cols, kd, T(1), wt + gi * kg * kd, kd, b.ptr + gi * kd * b.ld, b.ld,
           bias ? T(1) : T(0), c, hw_out);
    }
  }
}

template <typename T>
void gemm_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const Tiling t = make_tiling(g, g.pointwise() ? 0 : g.cin * g.taps(), sizeof(T), max_threads());
  const int64_t tasks = g.n * t.count;
  const int threads = int(std::min<int64_t>(max_threads(), tasks));
  const int64_t hw_out = g.ho * g.wo, kd = g.kdim(), kg = g.cout_g();
  const int64_t wsize = g.cout * kd;
  // Thread 0 accumulates into dw, the others into their own copies, summed at the end.
  std::vector<T> partial(size_t(threads - 1) * size_t(wsize));
  BlasSingleThread one;
#pragma omp parallel num_threads(threads)
  {
    const int tid = thread_id();
    T* acc = tid == 0 ? dw : partial.data() + (tid - 1) * wsize;
    std::fill(acc, acc + wsize, T(0));
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t ni = task / t.count, r0 = t.r0(task % t.count);
      const int64_t r1 = std::min(g.ho, r0 + t.rows), cols = (r1 - r0) * g.wo;
      const TileOperand<T> b = tile_operand(g, x + ni * g.cin * g.h * g.w, r0, r1);
      const T* dyn = dy + ni * g.cout * hw_out + r0 * g.wo;
      for (int64_t gi = 0; gi < g.groups; ++gi)
        gemm(false, true, kg, kd, cols, T(1), dyn + gi * kg * hw_out, hw_out,
             b.ptr + gi * kd * b.ld, b.ld, T(1), acc + gi * kg * kd, kd);
    }
  }
#pragma omp parallel for schedule(static) if (threads > 1)
  for (int64_t i = 0; i < wsize; ++i) {
    T s = dw[i];
    for (int k = 0; k + 1 < threads; ++k) s += partial[size_t(k * wsize + i)];
    dw[i] = s;
  }
}

// Columns rows [a0, a1) of one group's im2col-shaped gradient: W_g^T restricted to the input
// channels [a0, a1) of group gi, times that group's dy tile.
template <typename T>
void dcol_rows(const ConvGeom& g, const T* wt, const T* dyn, int64_t r0, int64_t cols, int64_t gi,
               int64_t a0, int64_t a1, T* dcol) {
  const int64_t kd = g.kdim(), kg = g.cout_g(), taps = g.taps();
  const int64_t hw_out = g.ho * g.wo;
  gemm(true, false, (a1 - a0) * taps, cols, kg, T(1),
       wt + gi * kg * kd + (a0 - gi * g.cin_g()) * taps, kd, dyn + gi * kg * hw_out + r0 * g.wo,
       hw_out, T(0), dcol + a0 * taps * cols, cols);
}

// dx for input channels [c0, c1) of image dyn/dxn from output rows [r0, r1).
template <typename T>
void grad_input_tile(const ConvGeom& g, const T* wt, const T* dyn, int64_t r0, int64_t r1,
                     int64_t c0, int64_t c1, T* dcol, T* dxn) {
  const int64_t cols = (r1 - r0) * g.wo, cg = g.cin_g();
  for (int64_t gi = c0 / cg; gi < g.groups && gi * cg < c1; ++gi)
    dcol_rows(g, wt, dyn, r0, cols, gi, std::max(c0, gi * cg), std::min(c1, (gi + 1) * cg), dcol);
  col2im(g, dcol, r0, r1, c0, c1, dxn);
}

template <typename T>
void gemm_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx) {
  const int threads = max_threads();
  const int64_t hw_in = g.h * g.w, hw_out = g.ho * g.wo, kd = g.kdim(), kg = g.cout_g();
  BlasSingleThread one;
  if (g.pointwise()) {
    // Every tile of dx is one GEMM of its own: no overlap between tasks.
    const Tiling t = make_tiling(g, 0, sizeof(T), threads);
#pragma omp parallel for schedule(static)
    for (int64_t task = 0; task < g.n * t.count; ++task) {
      const int64_t ni = task / t.count, r0 = t.r0(task % t.count);
      const int64_t cols = (std::min(g.ho, r0 + t.rows) - r0) * g.wo;
      for (int64_t gi = 0; gi < g.groups; ++gi)
        gemm(true, false, kd, cols, kg, T(1), wt + gi * kg * kd, kd,
             dy + ni * g.cout * hw_out + gi * kg * hw_out + r0 * g.wo, hw_out, T(0),
             dx + ni * g.cin * hw_in + gi * kd * hw_in + r0 * g.wo, hw_in);
    }
    return;
  }
  // Tiles of one image overlap in dx (the kernel's halo), so one thread owns each image, or,
  // with fewer images than threads, each thread owns a range of input channels.
  const Tiling t = make_tiling(g, g.cin * g.taps(), sizeof(T), std::min<int64_t>(threads, g.n));
  const size_t dcol_size = size_t(g.cin * g.taps() * t.rows * g.wo);
  if (g.n >= threads) {
#pragma omp parallel for schedule(static)
    for (int64_t ni = 0; ni < g.n; ++ni) {
      T* dxn = dx + ni * g.cin * hw_in;
      std::fill(dxn, dxn + g.cin * hw_in, T(0));
      T* dcol = scratch<T>(dcol_size);
      for (int64_t ti = 0; ti < t.count; ++ti) {
        const int64_t r0 = t.r0(ti);
        grad_input_tile(g, wt, dy + ni * g.cout * hw_out, r0, std::min(g.ho, r0 + t.rows), 0, g.cin,
                        dcol, dxn);
      }
    }
    return;
  }
  std::vector<T> dcol(dcol_size);
  for (int64_t ni = 0; ni < g.n; ++ni) {
    T* dxn = dx + ni * g.cin * hw_in;
    const T* dyn = dy + ni * g.cout * hw_out;
#pragma omp parallel
    {
      const int nt = omp_get_num_threads(), tid = thread_id();
      const int64_t c0 = g.cin * tid / nt, c1 = g.cin * (tid + 1) / nt;
      std::fill(dxn + c0 * hw_in, dxn + c1 * hw_in, T(0));
      for (int64_t ti = 0; ti < t.count && c0 < c1; ++ti) {
        const int64_t r0 = t.r0(ti);
        grad_input_tile(g, wt, dyn, r0, std::min(g.ho, r0 + t.rows), c0, c1, dcol.data(), dxn);
      }
    }
  }
}

}  // namespace

template <typename T>
void conv_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  if (g.depthwise())
    depthwise_forward(g, x, wt, bias, y);
  else
    gemm_forward(g, x, wt, bias, y);
}

template <typename T>
void conv_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx) {
  if (g.depthwise())
    depthwise_grad_input(g, dy, wt, dx);
  else
    gemm_grad_input(g, dy, wt, dx);
}

template <typename T>
void conv_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  if (g.depthwise())
    depthwise_grad_weight(g, x, dy, dw);
  else
    gemm_grad_weight(g, x, dy, dw);
}

#define SEGRT_CONV_INSTANTIATE(T)                                                   \
  template void conv_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*); \
  template void conv_grad_input<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void conv_grad_weight<T>(const ConvGeom&, const T*, const T*, T*);
SEGRT_CONV_INSTANTIATE(float)
SEGRT_CONV_INSTANTIATE(double)

}  // namespace segrt::cpu
