// CPU kernels for seg_loss and seg_loss_grad. Logits are viewed as [N, K, S] (S = the product
// of the spatial extents). Sums are accumulated in double, so the f32 kernel loses precision
// only in the per-element terms.
#include "graph/ops/loss.h"

#include <cmath>
#include <vector>

#include "runtime/cpu/kernel.h"

namespace segrt::cpu {
namespace {

constexpr int64_t kParallel = 32768;  // below this, threads cost more than they save

template <typename T>
T sigm(T z) {
  if (z >= 0) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// BCE with logits, -t log σ(z) - (1-t) log σ(-z), without overflow for large |z|.
template <typename T>
T bce_term(T z, T t) {
  return std::max(z, T(0)) - z * t + std::log1p(std::exp(-std::abs(z)));
}

struct Dims {
  int64_t n, k, s;
  int64_t at(int64_t in, int64_t ik, int64_t is) const { return (in * k + ik) * s + is; }
};

template <typename T>
Dims dims(const TensorRef<T>& x) {
  Dims d{x.dim(0), x.dim(1), 1};
  for (size_t i = 2; i < x.shape.size(); ++i) d.s *= x.dim(i);
  return d;
}

// Probabilities (and, for softmax, log-probabilities) of every element. Softmax uses the
// log-sum-exp around the channel maximum, with log1p for the sum of the other channels so that
// log p stays accurate when one channel dominates.
template <typename T>
void activate(const T* z, const Dims& d, bool softmax, std::vector<T>& p, std::vector<T>* logp) {
  const int64_t total = d.n * d.k * d.s;
  p.resize(total);
  if (logp) logp->resize(total);
  if (!softmax) {
#pragma omp parallel for if (total > kParallel)
    for (int64_t i = 0; i < total; ++i) p[i] = sigm(z[i]);
    return;
  }
  const int64_t pixels = d.n * d.s;
#pragma omp parallel for if (pixels * d.k > kParallel)
  for (int64_t px = 0; px < pixels; ++px) {
    const int64_t in = px / d.s, is = px % d.s;
    int64_t jmax = 0;
    T m = z[d.at(in, 0, is)];
    for (int64_t c = 1; c < d.k; ++c)
      if (z[d.at(in, c, is)] > m) m = z[d.at(in, c, is)], jmax = c;
    T rest = 0;
    for (int64_t c = 0; c < d.k; ++c)
      if (c != jmax) rest += std::exp(z[d.at(in, c, is)] - m);
    const T lse = std::log1p(rest);
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t i = d.at(in, c, is);
      const T l = z[i] - m - lse;
      p[i] = std::exp(l);
      if (logp) (*logp)[i] = l;
    }
  }
}

// Per-channel sums of a region loss over batch and space.
struct ChannelSums {
  double inter = 0;  // sum p*t
  double p = 0;      // sum p, or sum p^2 for dice_sq
  double t = 0;      // sum t, or sum t^2 for dice_sq
};

template <typename T>
std::vector<ChannelSums> channel_sums(const std::vector<T>& p, const T* t, const Dims& d,
                                      bool squares) {
  std::vector<ChannelSums> r(d.k);
  for (int64_t c = 0; c < d.k; ++c) {
    double si = 0, sp = 0, st = 0;
#pragma omp parallel for reduction(+ : si, sp, st) if (d.n * d.s > kParallel)
    for (int64_t px = 0; px < d.n * d.s; ++px) {
      const int64_t i = d.at(px / d.s, c, px % d.s);
      const double pv = p[i], tv = t[i];
      si += pv * tv;
      sp += squares ? pv * pv : pv;
      st += squares ? tv * tv : tv;
    }
    r[c] = {si, sp, st};
  }
  return r;
}

int64_t first_channel(const LossSpec& s) {
  return s.skip_background ? 1 : 0;
}

// Loss of one channel from its sums.
double region_loss(const LossSpec& s, const ChannelSums& c) {
  const double sm = s.smooth;
  switch (s.kind) {
    case LossKind::Dice:
    case LossKind::DiceSq:
    case LossKind::MDice:
      return 1 - (2 * c.inter + sm) / (c.p + c.t + sm);
    case LossKind::LogDice:
      return std::log(c.p + c.t + sm) - std::log(2 * c.inter + sm);
    default: {
      const double fn = c.t - c.inter, fp = c.p - c.inter;
      const double tv = 1 - (c.inter + sm) / (c.inter + s.alpha * fn + s.beta * fp + sm);
      if (s.kind == LossKind::Tversky) return tv;
      return std::pow(std::max(tv, 0.0), s.gamma);
    }
  }
}

// d(channel loss)/d p_i = ct * t_i + c1 + cp * p_i.
struct RegionGrad {
  double ct = 0, c1 = 0, cp = 0;
};

RegionGrad region_grad(const LossSpec& s, const ChannelSums& c) {
  const double sm = s.smooth;
  RegionGrad g;
  switch (s.kind) {
    case LossKind::Dice:
    case LossKind::MDice:
    case LossKind::DiceSq: {
      const double den = c.p + c.t + sm, num = 2 * c.inter + sm;
      g.ct = -2 / den;
      // d den / d p_i is 1, or 2 p_i for the squared form.
      if (s.kind == LossKind::DiceSq)
        g.cp = 2 * num / (den * den);
      else
        g.c1 = num / (den * den);
      return g;
    }
    case LossKind::LogDice:
      g.ct = -2 / (2 * c.inter + sm);
      g.c1 = 1 / (c.p + c.t + sm);
      return g;
    default: {
      const double fn = c.t - c.inter, fp = c.p - c.inter;
      const double num = c.inter + sm, den = c.inter + s.alpha * fn + s.beta * fp + sm;
      // d den / d p_i = (1 - alpha) t_i + beta (1 - t_i)
      g.ct = -1 / den + num * (1 - s.alpha - s.beta) / (den * den);
      g.c1 = num * s.beta / (den * den);
      if (s.kind == LossKind::FocalTversky) {
        const double tv = 1 - num / den;
        // (tv^gamma)' = gamma tv^(gamma-1) tv'; at tv = 0 the loss is at its minimum.
        const double f = tv > 0 ? s.gamma * std::pow(tv, s.gamma - 1) : 0.0;
        g.ct *= f;
        g.c1 *= f;
      }
      return g;
    }
  }
}

// Sigmoid focal term and its derivative in z, for binary or soft targets:
// ce = BCE(z, t), q = 1 - p_t = t σ(-z) + (1-t) σ(z), loss = a_t q^γ ce.
template <typename T>
void focal_sigmoid(const LossSpec& s, T z, T t, double* loss, double* dz) {
  const double zd = z, td = t;
  const double p = sigm(zd), pm = sigm(-zd);
  const double ce = bce_term(zd, td);
  const double q = td * pm + (1 - td) * p;
  const double at = s.alpha * td + (1 - s.alpha) * (1 - td);
  const double qg = std::pow(q, s.gamma);
  if (loss) *loss = at * qg * ce;
  if (dz) {
    const double dq = (1 - 2 * td) * p * pm;
    const double dqg = q > 0 ? s.gamma * std::pow(q, s.gamma - 1) * dq : 0.0;
    *dz = at * (dqg * ce + qg * (p - td));
  }
}

template <typename T>
void seg_loss(const Args<T>& a) {
  const LossSpec s = loss_spec(a.attrs());
  const T* z = a.in[0].p;
  const T* t = a.in[1].p;
  const Dims d = dims(a.in[0]);
  const int64_t total = d.n * d.k * d.s, pixels = d.n * d.s;
  double loss = 0;

  if (s.kind == LossKind::Bce || (s.kind == LossKind::Focal && !s.softmax)) {
    const bool focal = s.kind == LossKind::Focal;
#pragma omp parallel for reduction(+ : loss) if (total > kParallel)
    for (int64_t i = 0; i < total; ++i) {
      double li;
      if (focal)
        focal_sigmoid(s, z[i], t[i], &li, nullptr);
      else
        li = bce_term(double(z[i]), double(t[i]));
      loss += li;
    }
    loss /= double(total);
  } else if (s.kind == LossKind::Ce || s.kind == LossKind::Focal) {
    std::vector<T> p, lp;
    activate(z, d, true, p, &lp);
    const bool focal = s.kind == LossKind::Focal;
#pragma omp parallel for reduction(+ : loss) if (total > kParallel)
    for (int64_t i = 0; i < total; ++i) {
      if (t[i] == 0) continue;
      const double l = lp[i];
      const double w = focal ? s.alpha * std::pow(-std::expm1(l), s.gamma) : 1.0;
      loss -= w * double(t[i]) * l;
    }
    loss /= double(pixels);
  } else {
    std::vector<T> p;
    activate<T>(z, d, s.softmax, p, nullptr);
    auto sums = channel_sums(p, t, d, s.kind == LossKind::DiceSq);
    for (int64_t c = first_channel(s); c < d.k; ++c) loss += region_loss(s, sums[c]);
    loss /= double(d.k - first_channel(s));
  }
  a.out[0][0] = static_cast<T>(loss);
}

template <typename T>
void seg_loss_grad(const Args<T>& a) {
  const LossSpec s = loss_spec(a.attrs());
  const T* z = a.in[0].p;
  const T* t = a.in[1].p;
  const double dy = a.in[2][0];
  T* dz = a.out[0].p;
  const Dims d = dims(a.in[0]);
  const int64_t total = d.n * d.k * d.s, pixels = d.n * d.s;

  if (s.kind == LossKind::Bce || (s.kind == LossKind::Focal && !s.softmax)) {
    const double w = dy / double(total);
    const bool focal = s.kind == LossKind::Focal;
#pragma omp parallel for if (total > kParallel)
    for (int64_t i = 0; i < total; ++i) {
      double g;
      if (focal)
        focal_sigmoid(s, z[i], t[i], nullptr, &g);
      else
        g = sigm(double(z[i])) - double(t[i]);
      dz[i] = static_cast<T>(w * g);
    }
    return;
  }

  std::vector<T> p, lp;
  // g[i]: derivative of the loss with respect to log p_i (ce, focal) or p_i (region kinds).
  std::vector<double> g(total);
  const bool wrt_log = s.kind == LossKind::Ce || s.kind == LossKind::Focal;
  if (wrt_log) {
    activate(z, d, true, p, &lp);
    const double w = dy / double(pixels);
#pragma omp parallel for if (total > kParallel)
    for (int64_t i = 0; i < total; ++i) {
      const double ti = t[i], l = lp[i], pi = p[i];
      if (s.kind == LossKind::Ce) {
        g[i] = -w * ti;
        continue;
      }
      // d/dl [-alpha t (1-e^l)^gamma l] = -alpha t [(1-p)^gamma - gamma p l (1-p)^(gamma-1)]
      const double om = -std::expm1(l);
      const double tail = om > 0 ? s.gamma * pi * l * std::pow(om, s.gamma - 1) : 0.0;
      g[i] = ti == 0 ? 0.0 : -w * s.alpha * ti * (std::pow(om, s.gamma) - tail);
    }
  } else {
    activate<T>(z, d, s.softmax, p, nullptr);
    auto sums = channel_sums(p, t, d, s.kind == LossKind::DiceSq);
    const double w = dy / double(d.k - first_channel(s));
    for (int64_t c = 0; c < d.k; ++c) {
      RegionGrad rg;
      if (c >= first_channel(s)) rg = region_grad(s, sums[c]);
#pragma omp parallel for if (pixels > kParallel)
      for (int64_t px = 0; px < pixels; ++px) {
        const int64_t i = d.at(px / d.s, c, px % d.s);
        g[i] = w * (rg.ct * double(t[i]) + rg.c1 + rg.cp * double(p[i]));
      }
    }
  }

  if (!s.softmax) {  // region kinds with sigmoid: dp/dz = σ(z) σ(-z)
#pragma omp parallel for if (total > kParallel)
    for (int64_t i = 0; i < total; ++i)
      dz[i] = static_cast<T>(g[i] * sigm(double(z[i])) * sigm(-double(z[i])));
    return;
  }
#pragma omp parallel for if (total > kParallel)
  for (int64_t px = 0; px < pixels; ++px) {
    const int64_t in = px / d.s, is = px % d.s;
    // Through log-softmax: dz_j = g_j - p_j sum_k g_k. Through softmax: dz_j = p_j (g_j - sum_k
    // p_k g_k).
    double acc = 0;
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t i = d.at(in, c, is);
      acc += wrt_log ? g[i] : double(p[i]) * g[i];
    }
    for (int64_t c = 0; c < d.k; ++c) {
      const int64_t i = d.at(in, c, is);
      const double pi = p[i];
      dz[i] = static_cast<T>(wrt_log ? g[i] - pi * acc : pi * (g[i] - acc));
    }
  }
}

SEGRT_CPU_KERNEL(seg_loss, seg_loss);
SEGRT_CPU_KERNEL(seg_loss_grad, seg_loss_grad);

}  // namespace
}  // namespace segrt::cpu
