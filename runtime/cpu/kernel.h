// CPU reference kernels. Each is a template over the element type: float for running, double
// for the gradient checks against central differences. One file per op family registers its
// kernels with SEGRT_CPU_KERNEL(op_name, template_function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt::cpu {

template <typename T>
struct TensorRef {
  T* p = nullptr;
  Shape shape;
  int64_t n() const { return numel(shape); }
  int64_t dim(size_t i) const { return shape.at(i); }
  T& operator[](int64_t i) const { return p[i]; }
};

template <typename T>
struct Args {
  const Node& node;
  std::vector<TensorRef<T>> in;
  std::vector<TensorRef<T>> out;
  const Attrs& attrs() const { return node.attrs; }
};

template <typename T>
using KernelFn = void (*)(const Args<T>&);

struct KernelPair {
  KernelFn<float> f32 = nullptr;
  KernelFn<double> f64 = nullptr;
};

void register_kernel(const std::string& op, KernelPair k);
const KernelPair* find_kernel(const std::string& op);

struct KernelRegistrar {
  KernelRegistrar(const std::string& op, KernelPair k) { register_kernel(op, k); }
};

}  // namespace segrt::cpu

#define SEGRT_CPU_KERNEL(op, fn)                                                 \
  static ::segrt::cpu::KernelRegistrar SEGRT_CPU_CAT(segrt_cpu_k_, __COUNTER__)( \
      #op, ::segrt::cpu::KernelPair{&fn<float>, &fn<double>})
#define SEGRT_CPU_CAT2(a, b) a##b
#define SEGRT_CPU_CAT(a, b) SEGRT_CPU_CAT2(a, b)
