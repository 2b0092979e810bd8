// CPU kernels for concat, slice and slice_grad. A tensor is viewed as [outer, extent, inner]
// around the axis, so each is a set of contiguous block copies.
#include <algorithm>
#include <cstring>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

struct AxisView {
  int64_t outer = 1, inner = 1;
  AxisView(const Shape& s, int64_t axis) {
    for (int64_t d = 0; d < axis; ++d) outer *= s[d];
    for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  }
};

int64_t axis_attr(const Attrs& a, size_t rank) {
  const int64_t ax = a.i("axis", 1);
  return ax < 0 ? ax + int64_t(rank) : ax;
}

template <typename T>
void concat(const Args<T>& a) {
  const auto& y = a.out[0];
  const int64_t ax = axis_attr(a.attrs(), y.shape.size());
  const AxisView v(y.shape, ax);
  const int64_t row = y.dim(ax) * v.inner;  // one outer step of y
  int64_t off = 0;                          // offset of this input's block within a row
  for (const auto& x : a.in) {
    const int64_t blk = x.dim(ax) * v.inner;
#pragma omp parallel for if (x.n() > 65536)
    for (int64_t o = 0; o < v.outer; ++o)
      std::memcpy(y.p + o * row + off, x.p + o * blk, sizeof(T) * size_t(blk));
    off += blk;
  }
}
SEGRT_CPU_KERNEL(concat, concat);

template <typename T>
void slice(const Args<T>& a) {
  const auto &x = a.in[0], &y = a.out[0];
  const int64_t ax = axis_attr(a.attrs(), x.shape.size());
  const AxisView v(x.shape, ax);
  const int64_t row = x.dim(ax) * v.inner, blk = y.dim(ax) * v.inner;
  const int64_t off = a.attrs().i("start") * v.inner;
#pragma omp parallel for if (y.n() > 65536)
  for (int64_t o = 0; o < v.outer; ++o)
    std::memcpy(y.p + o * blk, x.p + o * row + off, sizeof(T) * size_t(blk));
}
SEGRT_CPU_KERNEL(slice, slice);

template <typename T>
void slice_grad(const Args<T>& a) {
  const auto &dy = a.in[0], &dx = a.out[0];
  const int64_t ax = axis_attr(a.attrs(), dx.shape.size());
  const AxisView v(dx.shape, ax);
  const int64_t row = dx.dim(ax) * v.inner, blk = dy.dim(ax) * v.inner;
  const int64_t off = a.attrs().i("start") * v.inner;
#pragma omp parallel for if (dx.n() > 65536)
  for (int64_t o = 0; o < v.outer; ++o) {
    T* r = dx.p + o * row;
    std::fill(r, r + off, T(0));
    std::memcpy(r + off, dy.p + o * blk, sizeof(T) * size_t(blk));
    std::fill(r + off + blk, r + row, T(0));
  }
}
SEGRT_CPU_KERNEL(slice_grad, slice_grad);

}  // namespace
}  // namespace segrt::cpu
