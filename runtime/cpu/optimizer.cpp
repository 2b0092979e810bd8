// CPU kernels for the optimizer updates (semantics in graph/ops/optimizer.cpp). Each writes the
// parameter and its state in place and outputs the sum of squares of the parameter change.
#include <cmath>
#include <string>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

constexpr int64_t kParallel = 65536;

// PyTorch SGD (dampening 0): g = grad + wd * p; buf = momentum * buf + g;
// step = nesterov ? g + momentum * buf : buf; p -= lr * step.
template <typename T>
void sgd_update(const Args<T>& a) {
  T* p = a.in[0].p;
  const T* grad = a.in[1].p;
  T* buf = a.in[2].p;
  const T lr = a.in[3][0];
  const T mom = static_cast<T>(a.attrs().f("momentum", 0.0));
  const T wd = static_cast<T>(a.attrs().f("weight_decay", 0.0));
  const bool nesterov = a.attrs().i("nesterov", 0) != 0;
  const int64_t n = a.in[0].n();
  double ssq = 0;
#pragma omp parallel for reduction(+ : ssq) if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad[i] + wd * p[i];
    const T b = mom * buf[i] + g;
    buf[i] = b;
    const T d = lr * (nesterov ? g + mom * b : b);
    p[i] -= d;
    ssq += double(d) * double(d);
  }
  a.out[0][0] = static_cast<T>(ssq);
}

// Adam (Kingma & Ba, bias-corrected): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). eps is added to the corrected
// sqrt(v) as in PyTorch (Keras adds it before the correction: the same up to eps's scale).
// Weight decay: coupled (L2, g += wd p) or decoupled (AdamW, p -= lr wd p, from the old p).
template <typename T>
void adam_update(const Args<T>& a) {
  T* p = a.in[0].p;
  const T* grad = a.in[1].p;
  T* m = a.in[2].p;
  T* v = a.in[3].p;
  const double lr = a.in[4][0], t = a.in[4][1];
  if (!(t >= 1)) throw Error("adam_update: step (hyper[1]) must be >= 1, got " + std::to_string(t));
  const double b1 = a.attrs().f("beta1", 0.9), b2 = a.attrs().f("beta2", 0.999);
  const double wd = a.attrs().f("weight_decay", 0.0);
  const bool decoupled = a.attrs().i("decoupled", 0) != 0;
  // Scalars in double: b^t for large t must not lose the small 1 - b^t.
  const T c1 = static_cast<T>(1 - b1), c2 = static_cast<T>(1 - b2);
  const T tb1 = static_cast<T>(b1), tb2 = static_cast<T>(b2);
  const T step = static_cast<T>(lr / -std::expm1(t * std::log(b1)));    // lr / (1 - b1^t)
  const T inv_bc2 = static_cast<T>(1 / -std::expm1(t * std::log(b2)));  // 1 / (1 - b2^t)
  const T eps = static_cast<T>(a.attrs().f("eps", 1e-7));
  const T l2 = static_cast<T>(decoupled ? 0.0 : wd),
          decay = static_cast<T>(decoupled ? lr * wd : 0.0);
  const int64_t n = a.in[0].n();
  double ssq = 0;
#pragma omp parallel for reduction(+ : ssq) if (n > kParallel)
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad[i] + l2 * p[i];
    const T mi = tb1 * m[i] + c1 * g;
    const T vi = tb2 * v[i] + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const T d = decay * p[i] + step * mi / (std::sqrt(vi * inv_bc2) + eps);
    p[i] -= d;
    ssq += double(d) * double(d);
  }
  a.out[0][0] = static_cast<T>(ssq);
}

SEGRT_CPU_KERNEL(sgd_update, sgd_update);
SEGRT_CPU_KERNEL(adam_update, adam_update);

}  // namespace
}  // namespace segrt::cpu
