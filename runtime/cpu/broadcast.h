// Index mapping for broadcasting binary ops: the offset in an input for each output element.
#pragma once

#include <array>

#include "graph/ir.h"

namespace segrt::cpu {

// Strides of `in` right-aligned against `out`, 0 along broadcast axes.
struct BroadcastMap {
  static constexpr int kMax = 6;
  int rank = 0;
  std::array<int64_t, kMax> out_dims{}, in_strides{};
  BroadcastMap(const Shape& in, const Shape& out) {
    rank = static_cast<int>(out.size());
    if (rank > kMax) throw Error("broadcast: rank above 6");
    int64_t stride = 1;
    for (int i = rank - 1, j = static_cast<int>(in.size()) - 1; i >= 0; --i, --j) {
      out_dims[i] = out[i];
      int64_t d = j >= 0 ? in[j] : 1;
      in_strides[i] = d == 1 ? 0 : stride;
      stride *= d;
    }
  }
  int64_t operator()(int64_t flat) const {
    int64_t off = 0;
    for (int i = rank - 1; i >= 0; --i) {
      int64_t c = flat % out_dims[i];
      flat /= out_dims[i];
      off += c * in_strides[i];
    }
    return off;
  }
};

}  // namespace segrt::cpu
