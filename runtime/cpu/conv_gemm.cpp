// Convolution as GEMM. The output columns are cut into blocks: a few output rows of one image,
// sized so their im2col matrix stays in cache, or several whole images when the feature maps
// are small. Each block is one single-threaded GEMM per group and OpenMP spreads the blocks
// over the threads (OpenBLAS threading is off meanwhile). 1x1 stride-1 unpadded convolutions
// skip im2col: the image is the matrix.
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

// Per-thread buffers that live across calls, so blocks do not allocate. Slot 0: im2col
// matrix, 1: output or gradient gathered over images, 2 (calling thread only): the other
// threads' partial weight gradients.
template <typename T>
T* scratch(int slot, int64_t n) {
  static thread_local std::vector<T> buf[3];
  if (int64_t(buf[slot].size()) < n) buf[slot].resize(size_t(n));
  return buf[slot].data();
}

// An im2col block of about this many bytes stays in a core's L2 between im2col and the GEMM
// that packs it; a block has at least kMinCols columns so the GEMM amortises packing the
// weights.
constexpr int64_t kBlockBytes = 512 * 1024;
constexpr int64_t kMinCols = 256;

// A block of output columns: rows [r0, r1) of each image in [n0, n1). Either part of one image
// or several whole images (small feature maps), laid out image after image.
struct Block {
  int64_t n0, n1, r0, r1;
  int64_t images() const { return n1 - n0; }
};

struct Plan {
  int64_t imgs = 1;   // images per block (> 1: whole images)
  int64_t rows = 0;   // output rows per block when imgs == 1
  int64_t tiles = 1;  // blocks per image when imgs == 1
  int64_t count = 0;  // blocks in all
  Block block(const ConvGeom& g, int64_t t) const {
    if (imgs > 1) return {t * imgs, std::min(g.n, (t + 1) * imgs), 0, g.ho};
    const int64_t ni = t / tiles, r0 = (t % tiles) * rows;
    return {ni, ni + 1, r0, std::min(g.ho, r0 + rows)};
  }
};

Plan make_plan(const ConvGeom& g, size_t elem, int threads) {
  Plan p;
  const int64_t hw = g.ho * g.wo;
  if (hw < kMinCols && g.n > 1) {
    // Whole images per block, but at least one block per thread.
    p.imgs = std::min((kMinCols + hw - 1) / hw, (g.n + threads - 1) / threads);
  }
  if (p.imgs > 1) {
    p.rows = g.ho;
    p.count = (g.n + p.imgs - 1) / p.imgs;
    return p;
  }
  p.imgs = 1;
  p.rows = g.ho;
  if (!g.pointwise()) {
    const int64_t col_rows = g.cin * g.taps();
    const int64_t cols = std::max<int64_t>(kMinCols, kBlockBytes / (col_rows * int64_t(elem)));
    p.rows = std::clamp<int64_t>(cols / g.wo, 1, g.ho);
  }
  // A batch smaller than the thread count: cut images so every thread gets work.
  if (g.n < threads) {
    const int64_t per_image = (threads + g.n - 1) / g.n;
    p.rows = std::min(p.rows, std::max<int64_t>(1, (g.ho + per_image - 1) / per_image));
  }
  p.tiles = (g.ho + p.rows - 1) / p.rows;
  p.count = g.n * p.tiles;
  return p;
}

// Where tap (i, j) reads for output rows [r0, r1): rows [a, b) fall inside the image (the
// others read padding) and, within them, output columns [lo, hi). Output position (oh, ow)
// reads input (oh * sh + row_off, ow * sw + col_off).
struct TapWindow {
  int64_t a, b, lo, hi, row_off, col_off;
};

TapWindow tap_window(const ConvGeom& g, int64_t i, int64_t j, int64_t r0, int64_t r1) {
  TapWindow t;
  t.row_off = i * g.dh - g.ph;
  t.col_off = j * g.dw - g.pw;
  tap_range(t.row_off, g.sh, g.h, g.ho, t.a, t.b);
  t.a = std::clamp(t.a, r0, r1);
  t.b = std::clamp(t.b, t.a, r1);
  tap_range(t.col_off, g.sw, g.w, g.wo, t.lo, t.hi);
  return t;
}

// Stride 1 with as many output as input columns ('same' convolutions): consecutive output rows
// read consecutive input rows at the same offset, so a tap's rows are one flat range.
bool flat_rows(const ConvGeom& g) {
  return g.sh == 1 && g.sw == 1 && g.w == g.wo;
}

// Zeroes columns [0, lo) and [hi, wo) of `rows` rows of width wo, column by column (a
// memset per row would cost more in calls than in stores).
template <typename T>
void zero_borders(T* d, int64_t rows, int64_t wo, int64_t lo, int64_t hi) {
  for (int64_t k = 0; k < lo; ++k)
    for (int64_t r = 0; r < rows; ++r) d[r * wo + k] = T(0);
  for (int64_t k = hi; k < wo; ++k)
    for (int64_t r = 0; r < rows; ++r) d[r * wo + k] = T(0);
}

// Rows [r0, r1) of one image's im2col matrix, written at `col` with row stride `ld`: row
// (c, i, j) holds, for each output position, the input pixel under tap (i, j) of channel c
// (0 in the padding).
template <typename T>
void im2col(const ConvGeom& g, const T* x, int64_t r0, int64_t r1, T* col, int64_t ld) {
  const int64_t wo = g.wo;
  const bool flat = flat_rows(g);
  for (int64_t c = 0; c < g.cin; ++c) {
    const T* xc = x + c * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T* dst = col + ((c * g.kh + i) * g.kw + j) * ld;
        const TapWindow t = tap_window(g, i, j, r0, r1);
        std::fill(dst, dst + (t.a - r0) * wo, T(0));
        std::fill(dst + (t.b - r0) * wo, dst + (r1 - r0) * wo, T(0));
        if (t.a == t.b) continue;
        T* d = dst + (t.a - r0) * wo;
        if (t.hi > t.lo) {
          if (flat) {
            // Also copies pixels of the neighbouring rows into the padding columns, zeroed below.
            std::memcpy(d + t.lo, xc + (t.a + t.row_off) * g.w + t.col_off + t.lo,
                        size_t((t.b - t.a - 1) * wo + t.hi - t.lo) * sizeof(T));
          } else {
            for (int64_t oh = t.a; oh < t.b; ++oh) {
              // Index of the input pixel read by output column 0 (outside the row when
              // col_off < 0; only columns [lo, hi) are read).
              const int64_t base = (oh * g.sh + t.row_off) * g.w + t.col_off;
              T* dr = d + (oh - t.a) * wo;
              if (g.sw == 1) {
                std::memcpy(dr + t.lo, xc + base + t.lo, size_t(t.hi - t.lo) * sizeof(T));
              } else {
                for (int64_t ow = t.lo; ow < t.hi; ++ow) dr[ow] = xc[base + ow * g.sw];
              }
            }
          }
        }
        zero_borders(d, t.b - t.a, wo, t.lo, t.hi);
      }
  }
}

// Adds one image's im2col-shaped gradient (rows [r0, r1), row stride ld) back onto its
// channels [c0, c1) of dx. Clobbers the padding entries of `col`.
template <typename T>
void col2im(const ConvGeom& g, T* col, int64_t ld, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
            T* dx) {
  const int64_t wo = g.wo;
  const bool flat = flat_rows(g);
  for (int64_t c = c0; c < c1; ++c) {
    T* xc = dx + c * g.h * g.w;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const TapWindow t = tap_window(g, i, j, r0, r1);
        if (t.a == t.b || t.hi <= t.lo) continue;
        T* s = col + ((c * g.kh + i) * g.kw + j) * ld + (t.a - r0) * wo;
        if (flat) {
          // One flat add over the rows; the padding entries, zeroed, land on neighbouring
          // rows' pixels and leave them unchanged.
          zero_borders(s, t.b - t.a, wo, t.lo, t.hi);
          T* xr = xc + (t.a + t.row_off) * g.w + t.col_off + t.lo;
          const int64_t n = (t.b - t.a - 1) * wo + t.hi - t.lo;
          for (int64_t k = 0; k < n; ++k) xr[k] += s[t.lo + k];
          continue;
        }
        for (int64_t oh = t.a; oh < t.b; ++oh) {
          const T* sr = s + (oh - t.a) * wo;
          const int64_t base = (oh * g.sh + t.row_off) * g.w + t.col_off;
          if (g.sw == 1) {
            for (int64_t ow = t.lo; ow < t.hi; ++ow) xc[base + ow] += sr[ow];
          } else {
            for (int64_t ow = t.lo; ow < t.hi; ++ow) xc[base + ow * g.sw] += sr[ow];
          }
        }
      }
  }
}

// A row-major matrix operand: element (r, c) at ptr[r * ld + c].
template <typename T>
struct Mat {
  T* ptr;
  int64_t ld;
};

// The input side of a block as a [cin * taps, cols] matrix: the image itself for a pointwise
// convolution of one image, else im2col into scratch slot 0.
template <typename T>
Mat<const T> input_matrix(const ConvGeom& g, const T* x, const Block& b) {
  const int64_t hw_in = g.h * g.w, seg = (b.r1 - b.r0) * g.wo, cols = b.images() * seg;
  if (g.pointwise() && b.images() == 1) return {x + b.n0 * g.cin * hw_in + b.r0 * g.wo, hw_in};
  T* col = scratch<T>(0, g.cin * g.taps() * cols);
  for (int64_t ni = b.n0; ni < b.n1; ++ni)
    im2col(g, x + ni * g.cin * hw_in, b.r0, b.r1, col + (ni - b.n0) * seg, cols);
  return {col, cols};
}

// The output side of a block as a [cout, cols] matrix to write: y itself for one image, else
// scratch slot 1 (see scatter_output).
template <typename T>
Mat<T> output_matrix(const ConvGeom& g, T* y, const Block& b) {
  const int64_t hw_out = g.ho * g.wo, cols = b.images() * (b.r1 - b.r0) * g.wo;
  if (b.images() == 1) return {y + b.n0 * g.cout * hw_out + b.r0 * g.wo, hw_out};
  return {scratch<T>(1, g.cout * cols), cols};
}

// The output-gradient side of a block as a [cout, cols] matrix to read: dy itself for one
// image, else gathered into scratch slot 1.
template <typename T>
Mat<const T> gradient_matrix(const ConvGeom& g, const T* dy, const Block& b) {
  const int64_t hw_out = g.ho * g.wo, cols = b.images() * (b.r1 - b.r0) * g.wo;
  if (b.images() == 1) return {dy + b.n0 * g.cout * hw_out + b.r0 * g.wo, hw_out};
  T* m = scratch<T>(1, g.cout * cols);
  for (int64_t ni = b.n0; ni < b.n1; ++ni)
    for (int64_t o = 0; o < g.cout; ++o)
      std::memcpy(m + o * cols + (ni - b.n0) * hw_out, dy + (ni * g.cout + o) * hw_out,
                  size_t(hw_out) * sizeof(T));
  return {m, cols};
}

// Copies a multi-image output matrix from scratch back into y.
template <typename T>
void scatter_output(const ConvGeom& g, const Mat<T>& m, const Block& b, T* y) {
  const int64_t hw_out = g.ho * g.wo;
  for (int64_t ni = b.n0; ni < b.n1; ++ni)
    for (int64_t o = 0; o < g.cout; ++o)
      std::memcpy(y + (ni * g.cout + o) * hw_out, m.ptr + o * m.ld + (ni - b.n0) * hw_out,
                  size_t(hw_out) * sizeof(T));
}

template <typename T>
void gemm_forward(const ConvGeom& g, const T* x, const T* wt, const T* bias, T* y) {
  const Plan plan = make_plan(g, sizeof(T), max_threads());
  const int64_t kd = g.kdim(), kg = g.cout_g();
  BlasSingleThread one;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < plan.count; ++t) {
    const Block b = plan.block(g, t);
    const int64_t cols = b.images() * (b.r1 - b.r0) * g.wo;
    const Mat<const T> in = input_matrix(g, x, b);
    const Mat<T> out = output_matrix(g, y, b);
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      T* c = out.ptr + gi * kg * out.ld;
      if (bias)
        for (int64_t o = 0; o < kg; ++o)
          std::fill(c + o * out.ld, c + o * out.ld + cols, bias[gi * kg + o]);
      gemm(false, false, kg, cols, kd, T(1), wt + gi * kg * kd, kd, in.ptr + gi * kd * in.ld, in.ld,
           bias ? T(1) : T(0), c, out.ld);
    }
    if (b.images() > 1) scatter_output(g, out, b, y);
  }
}

template <typename T>
void gemm_grad_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const Plan plan = make_plan(g, sizeof(T), max_threads());
  const int threads = int(std::min<int64_t>(max_threads(), plan.count));
  const int64_t kd = g.kdim(), kg = g.cout_g(), wsize = g.cout * kd;
  // Thread 0 accumulates into dw, the others into slices of the calling thread's scratch,
  // summed at the end.
  T* partial = scratch<T>(2, (threads - 1) * wsize);
  BlasSingleThread one;
#pragma omp parallel num_threads(threads)
  {
    const int tid = thread_id();
    T* acc = tid == 0 ? dw : partial + (tid - 1) * wsize;
    std::fill(acc, acc + wsize, T(0));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < plan.count; ++t) {
      const Block b = plan.block(g, t);
      const int64_t cols = b.images() * (b.r1 - b.r0) * g.wo;
      const Mat<const T> in = input_matrix(g, x, b);
      const Mat<const T> d = gradient_matrix(g, dy, b);
      for (int64_t gi = 0; gi < g.groups; ++gi)
        gemm(false, true, kg, kd, cols, T(1), d.ptr + gi * kg * d.ld, d.ld,
             in.ptr + gi * kd * in.ld, in.ld, T(1), acc + gi * kg * kd, kd);
    }
  }
#pragma omp parallel for schedule(static) if (threads > 1)
  for (int64_t i = 0; i < wsize; ++i) {
    T s = dw[i];
    for (int k = 0; k + 1 < threads; ++k) s += partial[k * wsize + i];
    dw[i] = s;
  }
}

// dx of block b for input channels [c0, c1): the im2col-shaped gradient W^T dy (rows of
// `dcol`, row stride ld >= the block's columns), row by channel range of each group, then
// col2im. dx of the block's images must be zero or hold other blocks' contributions.
template <typename T>
void grad_input_block(const ConvGeom& g, const T* wt, const Mat<const T>& d, const Block& b,
                      int64_t c0, int64_t c1, T* dcol, int64_t ld, T* dx) {
  const int64_t kd = g.kdim(), kg = g.cout_g(), cg = g.cin_g(), taps = g.taps();
  const int64_t seg = (b.r1 - b.r0) * g.wo, cols = b.images() * seg;
  for (int64_t gi = c0 / cg; gi < g.groups && gi * cg < c1; ++gi) {
    const int64_t a0 = std::max(c0, gi * cg), a1 = std::min(c1, (gi + 1) * cg);
    gemm(true, false, (a1 - a0) * taps, cols, kg, T(1), wt + gi * kg * kd + (a0 - gi * cg) * taps,
         kd, d.ptr + gi * kg * d.ld, d.ld, T(0), dcol + a0 * taps * ld, ld);
  }
  for (int64_t ni = b.n0; ni < b.n1; ++ni)
    col2im(g, dcol + (ni - b.n0) * seg, ld, b.r0, b.r1, c0, c1, dx + ni * g.cin * g.h * g.w);
}

template <typename T>
void gemm_grad_input(const ConvGeom& g, const T* dy, const T* wt, T* dx) {
  const int threads = max_threads();
  const Plan plan = make_plan(g, sizeof(T), threads);
  const int64_t hw_in = g.h * g.w, kd = g.kdim(), kg = g.cout_g();
  BlasSingleThread one;
  if (g.pointwise() && plan.imgs == 1) {
    // Each block of dx is a GEMM of its own: no overlap between blocks.
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < plan.count; ++t) {
      const Block b = plan.block(g, t);
      const int64_t cols = (b.r1 - b.r0) * g.wo;
      const Mat<const T> d = gradient_matrix(g, dy, b);
      for (int64_t gi = 0; gi < g.groups; ++gi)
        gemm(true, false, kd, cols, kg, T(1), wt + gi * kg * kd, kd, d.ptr + gi * kg * d.ld, d.ld,
             T(0), dx + b.n0 * g.cin * hw_in + gi * kd * hw_in + b.r0 * g.wo, hw_in);
    }
    return;
  }
  // Blocks of one image overlap in dx (the kernel's halo), so one thread owns all blocks of an
  // image, or, with fewer images than threads, each thread owns a range of input channels.
  if (plan.imgs > 1 || g.n >= threads) {
    const int64_t units = plan.imgs > 1 ? plan.count : g.n;
    const int64_t blocks_per_unit = plan.imgs > 1 ? 1 : plan.tiles;
#pragma omp parallel for schedule(static)
    for (int64_t u = 0; u < units; ++u) {
      for (int64_t t = u * blocks_per_unit; t < (u + 1) * blocks_per_unit; ++t) {
        const Block b = plan.block(g, t);
        if (b.r0 == 0) std::fill(dx + b.n0 * g.cin * hw_in, dx + b.n1 * g.cin * hw_in, T(0));
        const Mat<const T> d = gradient_matrix(g, dy, b);
        const int64_t cols = b.images() * (b.r1 - b.r0) * g.wo;
        grad_input_block(g, wt, d, b, 0, g.cin, scratch<T>(0, g.cin * g.taps() * cols), cols, dx);
      }
    }
    return;
  }
  // Shared by the threads, each writing the rows of its channels: the row stride is fixed so
  // that a thread on a shorter (last) block cannot reach into another's rows.
  const int64_t ld = plan.rows * g.wo;
  std::vector<T> dcol(size_t(g.cin * g.taps() * ld));
  for (int64_t ni = 0; ni < g.n; ++ni) {
    T* dxn = dx + ni * g.cin * hw_in;
#pragma omp parallel
    {
      const int nt = omp_get_num_threads(), tid = thread_id();
      const int64_t c0 = g.cin * tid / nt, c1 = g.cin * (tid + 1) / nt;
      std::fill(dxn + c0 * hw_in, dxn + c1 * hw_in, T(0));
      for (int64_t t = ni * plan.tiles; t < (ni + 1) * plan.tiles && c0 < c1; ++t) {
        const Block b = plan.block(g, t);
        const Mat<const T> d = gradient_matrix(g, dy, b);
        grad_input_block(g, wt, d, b, c0, c1, dcol.data(), ld, dx);
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
