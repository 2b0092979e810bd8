#include "runtime/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "graph/ir.h"

namespace segrt {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Large but finite: the lower envelope below must never compute inf - inf.
constexpr double kFar = 1e30;

// One line of the Felzenszwalb-Huttenlocher transform: d[q] = min_p s2 (q - p)^2 + f[p].
void dt1d(const double* f, int n, double s2, double* d, int* v, double* z) {
  int k = 0;
  v[0] = 0;
  z[0] = -INFINITY;
  z[1] = INFINITY;
  for (int q = 1; q < n; ++q) {
    auto meet = [&](int p) {
      return ((f[q] + s2 * q * q) - (f[p] + s2 * double(p) * p)) / (2 * s2 * (q - p));
    };
    double s = meet(v[k]);
    while (s <= z[k]) s = meet(v[--k]);  // z[0] = -inf stops it
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INFINITY;
  }
  k = 0;
  for (int q = 0; q < n; ++q) {
    while (z[k + 1] < q) ++k;
    const double dq = q - v[k];
    d[q] = s2 * dq * dq + f[v[k]];
  }
}

std::vector<uint8_t> boundary(const uint8_t* m, int h, int w) {
  std::vector<uint8_t> b(size_t(h) * w, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!m[size_t(y) * w + x]) continue;
      const bool edge = y == 0 || x == 0 || y == h - 1 || x == w - 1 || !m[size_t(y - 1) * w + x] ||
                        !m[size_t(y + 1) * w + x] || !m[size_t(y) * w + x - 1] ||
                        !m[size_t(y) * w + x + 1];
      b[size_t(y) * w + x] = edge;
    }
  return b;
}

// Linear interpolation between order statistics (as numpy.percentile's default).
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

// A ratio whose denominator is empty counts as perfect: nothing to find, nothing wrong.
double ratio(int64_t num, int64_t den) {
  return den == 0 ? 1.0 : double(num) / double(den);
}

}  // namespace

std::vector<double> squared_distance_transform(const uint8_t* site, int h, int w, double sy,
                                               double sx) {
  if (h <= 0 || w <= 0) throw Error("distance transform: empty image");
  if (!(sy > 0) || !(sx > 0)) throw Error("distance transform: spacing must be > 0");
  const int n = std::max(h, w);
  std::vector<double> out(size_t(h) * w), f(n), d(n), z(n + 1);
  std::vector<int> v(n);
  for (size_t i = 0; i < out.size(); ++i) out[i] = site[i] ? 0.0 : kFar;
  for (int x = 0; x < w; ++x) {  // columns
    for (int y = 0; y < h; ++y) f[y] = out[size_t(y) * w + x];
    dt1d(f.data(), h, sy * sy, d.data(), v.data(), z.data());
    for (int y = 0; y < h; ++y) out[size_t(y) * w + x] = d[y];
  }
  for (int y = 0; y < h; ++y) {  // rows
    double* row = out.data() + size_t(y) * w;
    std::copy(row, row + w, f.begin());
    dt1d(f.data(), w, sx * sx, row, v.data(), z.data());
  }
  for (double& x : out)
    if (x >= kFar / 2) x = INFINITY;
  return out;
}

HausdorffDistances hausdorff(const uint8_t* a, const uint8_t* b, int h, int w, double sy,
                             double sx) {
  const std::vector<uint8_t> ba = boundary(a, h, w), bb = boundary(b, h, w);
  const bool ea = std::none_of(ba.begin(), ba.end(), [](uint8_t v) { return v; });
  const bool eb = std::none_of(bb.begin(), bb.end(), [](uint8_t v) { return v; });
  if (ea || eb) throw Error("hausdorff: a mask is empty, the distance is undefined");
  const std::vector<double> da = squared_distance_transform(ba.data(), h, w, sy, sx);
  const std::vector<double> db = squared_distance_transform(bb.data(), h, w, sy, sx);
  std::vector<double> all;
  double hd = 0;
  for (size_t i = 0; i < ba.size(); ++i) {
    if (ba[i]) all.push_back(std::sqrt(db[i]));  // A's surface to B's
    if (bb[i]) all.push_back(std::sqrt(da[i]));  // B's surface to A's
  }
  for (double d : all) hd = std::max(hd, d);
  return {hd, percentile(std::move(all), 95.0)};
}

ClassMetrics binary_metrics(const uint8_t* pred, const uint8_t* truth, int h, int w, double sy,
                            double sx, bool with_hd) {
  ClassMetrics m;
  const size_t n = size_t(h) * w;
  for (size_t i = 0; i < n; ++i) {
    const bool p = pred[i] != 0, t = truth[i] != 0;
    m.tp += p && t;
    m.fp += p && !t;
    m.fn += !p && t;
    m.tn += !p && !t;
  }
  m.dice = ratio(2 * m.tp, 2 * m.tp + m.fp + m.fn);
  m.iou = ratio(m.tp, m.tp + m.fp + m.fn);
  m.accuracy = ratio(m.tp + m.tn, int64_t(n));
  m.sensitivity = ratio(m.tp, m.tp + m.fn);
  m.specificity = ratio(m.tn, m.tn + m.fp);
  m.precision = ratio(m.tp, m.tp + m.fp);
  if (with_hd) {
    const bool ep = m.tp + m.fp == 0, et = m.tp + m.fn == 0;
    if (ep && et) {
      m.hd = m.hd95 = 0;
    } else if (!ep && !et) {
      const HausdorffDistances d = hausdorff(pred, truth, h, w, sy, sx);
      m.hd = d.hd;
      m.hd95 = d.hd95;
    }  // exactly one empty: left NaN (undefined)
  }
  return m;
}

ImageMetrics compute_metrics(const LabelMap& pred, const LabelMap& truth, int num_classes,
                             double sy, double sx, bool with_hd) {
  if (pred.h != truth.h || pred.w != truth.w)
    throw Error("metrics: prediction " + std::to_string(pred.h) + "x" + std::to_string(pred.w) +
                " and ground truth " + std::to_string(truth.h) + "x" + std::to_string(truth.w) +
                " differ in size");
  if (num_classes < 2) throw Error("metrics: num_classes must be >= 2");
  const size_t n = size_t(pred.h) * pred.w;
  int64_t correct = 0;
  for (size_t i = 0; i < n; ++i) {
    for (int32_t v : {pred.data[i], truth.data[i]})
      if (v < 0 || v >= num_classes)
        throw Error("metrics: label " + std::to_string(v) + " outside 0.." +
                    std::to_string(num_classes - 1));
    correct += pred.data[i] == truth.data[i];
  }
  ImageMetrics r;
  r.pixel_accuracy = ratio(correct, int64_t(n));
  std::vector<uint8_t> p(n), t(n);
  for (int k = 0; k < num_classes; ++k) {
    for (size_t i = 0; i < n; ++i) {
      p[i] = pred.data[i] == k;
      t[i] = truth.data[i] == k;
    }
    // Background distances say little and cost as much as a class: only foreground gets HD.
    r.classes.push_back(
        binary_metrics(p.data(), t.data(), pred.h, pred.w, sy, sx, with_hd && k > 0));
  }
  return r;
}

LabelMap labels_from_scores(const float* scores, int k, int h, int w, float threshold) {
  if (k < 1) throw Error("labels_from_scores: need at least one channel");
  LabelMap out(h, w);
  const size_t n = size_t(h) * w;
  for (size_t i = 0; i < n; ++i) {
    if (k == 1) {
      out.data[i] = scores[i] > threshold ? 1 : 0;
      continue;
    }
    int best = 0;
    for (int c = 1; c < k; ++c)
      if (scores[size_t(c) * n + i] > scores[size_t(best) * n + i]) best = c;
    out.data[i] = best;
  }
  return out;
}

MetricsAccumulator::MetricsAccumulator(int num_classes, bool hausdorff)
    : k_(num_classes), hd_(hausdorff) {
  if (num_classes < 2) throw Error("metrics: num_classes must be >= 2");
}

void MetricsAccumulator::add(const LabelMap& pred, const LabelMap& truth, double sy, double sx) {
  images_.push_back(compute_metrics(pred, truth, k_, sy, sx, hd_));
}

namespace {
// Sums of ratios in [0, 1] become means. Summing first and dividing once keeps every mean
// within [0, 1]: adding up x / n term by term can round past 1 (40 x 1/40 = 1.0000000000000004).
void divide_ratios(MetricSummary::Class& c, double n) {
  for (double* v : {&c.dice, &c.iou, &c.accuracy, &c.sensitivity, &c.specificity, &c.precision})
    *v /= n;
}
}  // namespace

MetricSummary MetricsAccumulator::summary() const {
  MetricSummary s;
  s.images = int64_t(images_.size());
  s.classes.resize(size_t(k_));
  if (images_.empty()) return s;
  const double n = double(images_.size());
  for (int k = 0; k < k_; ++k) {
    MetricSummary::Class& c = s.classes[size_t(k)];
    int64_t tp = 0, fp = 0, fn = 0;
    double hd = 0, hd95 = 0;
    for (const ImageMetrics& im : images_) {
      const ClassMetrics& m = im.classes[size_t(k)];
      c.dice += m.dice;
      c.iou += m.iou;
      c.accuracy += m.accuracy;
      c.sensitivity += m.sensitivity;
      c.specificity += m.specificity;
      c.precision += m.precision;
      tp += m.tp;
      fp += m.fp;
      fn += m.fn;
      if (std::isnan(m.hd)) {
        c.hd_undefined += hd_ && k > 0;
      } else {
        hd += m.hd;
        hd95 += m.hd95;
        ++c.hd_images;
      }
    }
    divide_ratios(c, n);
    if (c.hd_images > 0) {
      c.hd = hd / double(c.hd_images);
      c.hd95 = hd95 / double(c.hd_images);
    }
    c.pooled_dice = ratio(2 * tp, 2 * tp + fp + fn);
    c.pooled_iou = ratio(tp, tp + fp + fn);
  }
  for (const ImageMetrics& im : images_) s.pixel_accuracy += im.pixel_accuracy;
  s.pixel_accuracy /= n;

  MetricSummary::Class& m = s.mean_foreground;
  const double f = double(k_ - 1);
  int hd_classes = 0;
  double hd = 0, hd95 = 0;
  for (int k = 1; k < k_; ++k) {
    const MetricSummary::Class& c = s.classes[size_t(k)];
    m.dice += c.dice;
    m.iou += c.iou;
    m.accuracy += c.accuracy;
    m.sensitivity += c.sensitivity;
    m.specificity += c.specificity;
    m.precision += c.precision;
    m.pooled_dice += c.pooled_dice;
    m.pooled_iou += c.pooled_iou;
    m.hd_images += c.hd_images;
    m.hd_undefined += c.hd_undefined;
    if (c.hd_images > 0) {
      hd += c.hd;
      hd95 += c.hd95;
      ++hd_classes;
    }
  }
  if (k_ > 1) {
    divide_ratios(m, f);
    m.pooled_dice /= f;
    m.pooled_iou /= f;
  }
  if (hd_classes > 0) {
    m.hd = hd / hd_classes;
    m.hd95 = hd95 / hd_classes;
  }
  return s;
}

std::string format_summary(const MetricSummary& s) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-6s %7s %7s %7s %7s %7s %7s %8s %8s %7s\n", "class", "dice",
                "iou", "acc", "sens", "spec", "prec", "hd_mm", "hd95_mm", "dice_px");
  out += line;
  auto row = [&](const std::string& name, const MetricSummary::Class& c) {
    std::snprintf(line, sizeof line, "%-6s %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %8.3f %8.3f %7.4f\n",
                  name.c_str(), c.dice, c.iou, c.accuracy, c.sensitivity, c.specificity,
                  c.precision, c.hd, c.hd95, c.pooled_dice);
    out += line;
  };
  for (size_t k = 1; k < s.classes.size(); ++k) row(std::to_string(k), s.classes[k]);
  if (s.classes.size() > 2) row("mean", s.mean_foreground);
  std::snprintf(line, sizeof line, "images %lld, pixel accuracy %.4f\n",
                static_cast<long long>(s.images), s.pixel_accuracy);
  out += line;
  return out;
}

}  // namespace segrt
