// CPU kernels for batch norm. Each channel is an independent task (its statistics and its
// slice of every image); sums accumulate in double so f32 runs lose nothing on large batches.
#include <cmath>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

// x as [N, C, HW]: element (n, c, i) sits at (n * C + c) * HW + i.
struct Layout {
  int64_t n, c, hw;
  explicit Layout(const Shape& s) : n(s[0]), c(s[1]), hw(s[2] * s[3]) {}
  int64_t base(int64_t in, int64_t ic) const { return (in * c + ic) * hw; }
  int64_t per_channel() const { return n * hw; }
};

template <typename T>
void batch_norm_train(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &beta = a.in[2];
  const auto &rmean = a.in[3], &rvar = a.in[4];  // updated in place
  const auto &y = a.out[0], &mean = a.out[1], &invstd = a.out[2];
  const double eps = a.attrs().f("eps", 1e-3), mom = a.attrs().f("momentum", 0.99);
  const Layout L(x.shape);
  const double m = double(L.per_channel());
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t c = 0; c < L.c; ++c) {
    double s = 0;
    for (int64_t n = 0; n < L.n; ++n)
      for (int64_t i = 0; i < L.hw; ++i) s += x[L.base(n, c) + i];
    const double mu = s / m;
    double ss = 0;  // two passes: no cancellation when |mean| >> std
    for (int64_t n = 0; n < L.n; ++n)
      for (int64_t i = 0; i < L.hw; ++i) {
        const double d = x[L.base(n, c) + i] - mu;
        ss += d * d;
      }
    const double var = ss / m, inv = 1.0 / std::sqrt(var + eps);
    const T sc = T(double(gamma[c]) * inv), sh = T(double(beta[c]) - mu * double(gamma[c]) * inv);
    for (int64_t n = 0; n < L.n; ++n) {
      const T* xp = x.p + L.base(n, c);
      T* yp = y.p + L.base(n, c);
      for (int64_t i = 0; i < L.hw; ++i) yp[i] = xp[i] * sc + sh;
    }
    mean[c] = T(mu);
    invstd[c] = T(inv);
    // Running variance from the unbiased batch variance (PyTorch's choice; Keras uses the
    // biased one). The op refuses a single value per channel, so m > 1.
    rmean[c] = T(mom * double(rmean[c]) + (1 - mom) * mu);
    rvar[c] = T(mom * double(rvar[c]) + (1 - mom) * ss / (m - 1));
  }
}
SEGRT_CPU_KERNEL(batch_norm_train, batch_norm_train);

// dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), the usual reduction over the
// channel's N*H*W elements; dgamma = sum(dy * xhat), dbeta = sum(dy).
template <typename T>
void batch_norm_grad(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &mean = a.in[2], &invstd = a.in[3], &dy = a.in[4];
  const auto &dx = a.out[0], &dgamma = a.out[1], &dbeta = a.out[2];
  const Layout L(x.shape);
  const double m = double(L.per_channel());
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t c = 0; c < L.c; ++c) {
    const double mu = mean[c], inv = invstd[c];
    double sdy = 0, sdyx = 0;
    for (int64_t n = 0; n < L.n; ++n)
      for (int64_t i = 0; i < L.hw; ++i) {
        const int64_t k = L.base(n, c) + i;
        sdy += dy[k];
        sdyx += double(dy[k]) * (double(x[k]) - mu) * inv;
      }
    const double k1 = double(gamma[c]) * inv, a1 = sdy / m, b1 = sdyx / m;
    for (int64_t n = 0; n < L.n; ++n)
      for (int64_t i = 0; i < L.hw; ++i) {
        const int64_t k = L.base(n, c) + i;
        dx[k] = T(k1 * (double(dy[k]) - a1 - (double(x[k]) - mu) * inv * b1));
      }
    dgamma[c] = T(sdyx);
    dbeta[c] = T(sdy);
  }
}
SEGRT_CPU_KERNEL(batch_norm_grad, batch_norm_grad);

template <typename T>
void batch_norm_infer(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &beta = a.in[2], &rmean = a.in[3], &rvar = a.in[4];
  const auto& y = a.out[0];
  const double eps = a.attrs().f("eps", 1e-3);
  const Layout L(x.shape);
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t p = 0; p < L.n * L.c; ++p) {
    const int64_t c = p % L.c;
    const double sc = double(gamma[c]) / std::sqrt(double(rvar[c]) + eps);
    const T s = T(sc), sh = T(double(beta[c]) - double(rmean[c]) * sc);
    const T* xp = x.p + p * L.hw;
    T* yp = y.p + p * L.hw;
    for (int64_t i = 0; i < L.hw; ++i) yp[i] = xp[i] * s + sh;
  }
}
SEGRT_CPU_KERNEL(batch_norm_infer, batch_norm_infer);

// With fixed statistics: dx = dy * gamma * invstd, dgamma = sum(dy * xhat), dbeta = sum(dy).
template <typename T>
void batch_norm_infer_grad(const Args<T>& a) {
  const auto &x = a.in[0], &gamma = a.in[1], &rmean = a.in[2], &rvar = a.in[3], &dy = a.in[4];
  const auto &dx = a.out[0], &dgamma = a.out[1], &dbeta = a.out[2];
  const double eps = a.attrs().f("eps", 1e-3);
  const Layout L(x.shape);
#pragma omp parallel for if (x.n() > 65536)
  for (int64_t c = 0; c < L.c; ++c) {
    const double inv = 1.0 / std::sqrt(double(rvar[c]) + eps), mu = rmean[c];
    const T k1 = T(double(gamma[c]) * inv);
    double sdy = 0, sdyx = 0;
    for (int64_t n = 0; n < L.n; ++n)
      for (int64_t i = 0; i < L.hw; ++i) {
        const int64_t k = L.base(n, c) + i;
        sdy += dy[k];
        sdyx += double(dy[k]) * (double(x[k]) - mu) * inv;
        dx[k] = dy[k] * k1;
      }
    dgamma[c] = T(sdyx);
    dbeta[c] = T(sdy);
  }
}
SEGRT_CPU_KERNEL(batch_norm_infer_grad, batch_norm_infer_grad);

}  // namespace
}  // namespace segrt::cpu
