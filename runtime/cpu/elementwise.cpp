// CPU kernels: fill, broadcasting binary ops, scale, reduce_to/expand and the activations.
#include <cmath>

#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

template <typename T>
void fill(const Args<T>& a) {
  T v = static_cast<T>(a.attrs().f("value", 0.0));
  for (int64_t i = 0; i < a.out[0].n(); ++i) a.out[0][i] = v;
}
SEGRT_CPU_KERNEL(fill, fill);

template <typename T, typename F>
void binary(const Args<T>& a, F f) {
  const auto &x = a.in[0], &y = a.in[1];
  const auto& o = a.out[0];
  const int64_t n = o.n();
  if (x.shape == o.shape && y.shape == o.shape) {
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    return;
  }
  BroadcastMap mx(x.shape, o.shape), my(y.shape, o.shape);
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[mx(i)], y[my(i)]);
}

template <typename T>
void add(const Args<T>& a) {
  binary(a, [](T p, T q) { return p + q; });
}
template <typename T>
void sub(const Args<T>& a) {
  binary(a, [](T p, T q) { return p - q; });
}
template <typename T>
void mul(const Args<T>& a) {
  binary(a, [](T p, T q) { return p * q; });
}
SEGRT_CPU_KERNEL(add, add);
SEGRT_CPU_KERNEL(sub, sub);
SEGRT_CPU_KERNEL(mul, mul);

template <typename T>
void scale(const Args<T>& a) {
  T s = static_cast<T>(a.attrs().f("s"));
  const int64_t n = a.out[0].n();
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) a.out[0][i] = s * a.in[0][i];
}
SEGRT_CPU_KERNEL(scale, scale);

template <typename T>
void reduce_to(const Args<T>& a) {
  const auto &x = a.in[0], &o = a.out[0];
  for (int64_t i = 0; i < o.n(); ++i) o[i] = 0;
  BroadcastMap m(o.shape, x.shape);
  for (int64_t i = 0; i < x.n(); ++i) o[m(i)] += x[i];
}
SEGRT_CPU_KERNEL(reduce_to, reduce_to);

template <typename T>
void expand(const Args<T>& a) {
  const auto &x = a.in[0], &o = a.out[0];
  BroadcastMap m(x.shape, o.shape);
  for (int64_t i = 0; i < o.n(); ++i) o[i] = x[m(i)];
}
SEGRT_CPU_KERNEL(expand, expand);

template <typename T, typename F>
void unary(const Args<T>& a, F f) {
  const int64_t n = a.out[0].n();
  T* o = a.out[0].p;
  const T* x = a.in[0].p;
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
}

// Gradient kernels read (saved, dy): saved is the forward input or output.
template <typename T, typename F>
void unary_grad(const Args<T>& a, F f) {
  const int64_t n = a.out[0].n();
  T* o = a.out[0].p;
  const T* s = a.in[0].p;
  const T* dy = a.in[1].p;
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) o[i] = f(s[i]) * dy[i];
}

template <typename T>
T sigm(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <typename T>
void relu(const Args<T>& a) {
  unary(a, [](T x) { return x > 0 ? x : T(0); });
}
template <typename T>
void relu_grad(const Args<T>& a) {
  unary_grad(a, [](T x) { return x > 0 ? T(1) : T(0); });
}
template <typename T>
void leaky_relu(const Args<T>& a) {
  T al = static_cast<T>(a.attrs().f("alpha", 0.01));
  unary(a, [al](T x) { return x > 0 ? x : al * x; });
}
template <typename T>
void leaky_relu_grad(const Args<T>& a) {
  T al = static_cast<T>(a.attrs().f("alpha", 0.01));
  unary_grad(a, [al](T x) { return x > 0 ? T(1) : al; });
}
template <typename T>
void sigmoid(const Args<T>& a) {
  unary(a, [](T x) { return sigm(x); });
}
template <typename T>
void sigmoid_grad(const Args<T>& a) {
  unary_grad(a, [](T y) { return y * (T(1) - y); });
}
template <typename T>
void tanh_(const Args<T>& a) {
  unary(a, [](T x) { return std::tanh(x); });
}
template <typename T>
void tanh_grad(const Args<T>& a) {
  unary_grad(a, [](T y) { return T(1) - y * y; });
}
template <typename T>
void silu(const Args<T>& a) {
  unary(a, [](T x) { return x * sigm(x); });
}
template <typename T>
void silu_grad(const Args<T>& a) {
  unary_grad(a, [](T x) {
    T s = sigm(x);
    return s * (T(1) + x * (T(1) - s));
  });
}

SEGRT_CPU_KERNEL(relu, relu);
SEGRT_CPU_KERNEL(relu_grad, relu_grad);
SEGRT_CPU_KERNEL(leaky_relu, leaky_relu);
SEGRT_CPU_KERNEL(leaky_relu_grad, leaky_relu_grad);
SEGRT_CPU_KERNEL(sigmoid, sigmoid);
SEGRT_CPU_KERNEL(sigmoid_grad, sigmoid_grad);
SEGRT_CPU_KERNEL(tanh, tanh_);
SEGRT_CPU_KERNEL(tanh_grad, tanh_grad);
SEGRT_CPU_KERNEL(silu, silu);
SEGRT_CPU_KERNEL(silu_grad, silu_grad);

}  // namespace
}  // namespace segrt::cpu
