// Metrics on hand-made masks whose values were worked out by hand.
#include "runtime/metrics.h"

#include <doctest/doctest.h>

#include <cmath>

#include "graph/ir.h"
#include "runtime/data/rng.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

LabelMap rect(int h, int w, int y0, int y1, int x0, int x1, int32_t k = 1) {
  LabelMap m(h, w);
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) m.at(y, x) = k;
  return m;
}

std::vector<uint8_t> mask_of(const LabelMap& m, int32_t k = 1) {
  std::vector<uint8_t> b(m.data.size());
  for (size_t i = 0; i < b.size(); ++i) b[i] = m.data[i] == k;
  return b;
}

}  // namespace

TEST_CASE("metrics: confusion ratios of two shifted squares") {
  // Truth rows 2..5 x cols 2..5, prediction one column to the right: TP 12, FP 4, FN 4, TN 80.
  const LabelMap truth = rect(10, 10, 2, 5, 2, 5), pred = rect(10, 10, 2, 5, 3, 6);
  const ImageMetrics m = compute_metrics(pred, truth, 2);
  const ClassMetrics& c = m.classes[1];
  CHECK(c.tp == 12);
  CHECK(c.fp == 4);
  CHECK(c.fn == 4);
  CHECK(c.tn == 80);
  CHECK(c.dice == doctest::Approx(0.75));
  CHECK(c.iou == doctest::Approx(0.6));
  CHECK(c.accuracy == doctest::Approx(0.92));
  CHECK(c.sensitivity == doctest::Approx(0.75));
  CHECK(c.specificity == doctest::Approx(80.0 / 84.0));
  CHECK(c.precision == doctest::Approx(0.75));
  CHECK(m.pixel_accuracy == doctest::Approx(0.92));
  // Boundaries: every truth boundary pixel is 0 or 1 from the prediction's and back: HD 1.
  CHECK(c.hd == doctest::Approx(1.0));
  CHECK(c.hd95 == doctest::Approx(1.0));
  CHECK(std::isnan(m.classes[0].hd));  // background has no distances
}

TEST_CASE("metrics: Hausdorff distances worked out by hand") {
  // One row, so every foreground pixel is boundary. Truth: x = 0. Prediction: x = 0..20.
  // Directed distances: prediction -> truth 0, 1, ..., 20; truth -> prediction 0.
  // Union (22 values) sorted: 0, 0, 1, ..., 20. HD = 20. HD95: position 0.95 * 21 = 19.95
  // between the values 18 and 19: 18.95.
  LabelMap truth(1, 21), pred(1, 21);
  truth.at(0, 0) = 1;
  for (int x = 0; x < 21; ++x) pred.at(0, x) = 1;
  auto t = mask_of(truth), p = mask_of(pred);
  HausdorffDistances d = hausdorff(p.data(), t.data(), 1, 21);
  CHECK(d.hd == doctest::Approx(20.0));
  CHECK(d.hd95 == doctest::Approx(18.95));
  d = hausdorff(p.data(), t.data(), 1, 21, 3.0, 0.5);  // mm per column 0.5
  CHECK(d.hd == doctest::Approx(10.0));
  CHECK(d.hd95 == doctest::Approx(9.475));

  // A 3x3 square (boundary: its 8 outer pixels) against its centre pixel, rows 1 mm and
  // columns 2 mm apart: centre -> square boundary 1 (the pixel above); square boundary ->
  // centre: 1, 1 (above, below), 2, 2 (left, right), sqrt(5) x 4 (corners). HD = sqrt(5);
  // the 9 sorted values end in four sqrt(5), so HD95 = sqrt(5).
  const LabelMap sq = rect(7, 7, 2, 4, 2, 4), centre = rect(7, 7, 3, 3, 3, 3);
  const ClassMetrics c = compute_metrics(centre, sq, 2, 1.0, 2.0).classes[1];
  CHECK(c.hd == doctest::Approx(std::sqrt(5.0)));
  CHECK(c.hd95 == doctest::Approx(std::sqrt(5.0)));
  CHECK(c.dice == doctest::Approx(2.0 / 10.0));

  // Foreground touching the image edge is boundary there (outside counts as background).
  const LabelMap full = rect(3, 3, 0, 2, 0, 2), dot = rect(3, 3, 1, 1, 1, 1);
  CHECK(compute_metrics(dot, full, 2).classes[1].hd == doctest::Approx(std::sqrt(2.0)));
}

TEST_CASE("metrics: distance transform is exact against brute force") {
  Rng rng(17);
  for (int trial = 0; trial < 4; ++trial) {
    const int h = 9 + trial, w = 13 - trial;
    const double sy = 0.5 + trial, sx = 1.25;
    std::vector<uint8_t> site(size_t(h) * w);
    for (auto& s : site) s = rng.bernoulli(0.08);
    site[size_t(trial)] = 1;
    const auto d = squared_distance_transform(site.data(), h, w, sy, sx);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double best = INFINITY;
        for (int v = 0; v < h; ++v)
          for (int u = 0; u < w; ++u)
            if (site[size_t(v) * w + u])
              best = std::min(best, (y - v) * (y - v) * sy * sy + (x - u) * (x - u) * sx * sx);
        CHECK(d[size_t(y) * w + x] == doctest::Approx(best).epsilon(1e-12));
      }
  }
  std::vector<uint8_t> none(6, 0);
  CHECK(std::isinf(squared_distance_transform(none.data(), 2, 3)[4]));
}

TEST_CASE("metrics: empty-mask conventions") {
  const LabelMap empty(5, 5), one = rect(5, 5, 1, 2, 1, 2);
  const ClassMetrics both = compute_metrics(empty, empty, 2).classes[1];
  CHECK(both.dice == 1.0);
  CHECK(both.iou == 1.0);
  CHECK(both.hd == 0.0);
  CHECK(both.hd95 == 0.0);
  CHECK(both.sensitivity == 1.0);
  CHECK(both.precision == 1.0);
  const ClassMetrics miss = compute_metrics(empty, one, 2).classes[1];
  CHECK(miss.dice == 0.0);
  CHECK(std::isnan(miss.hd));
  CHECK(std::isnan(miss.hd95));
  CHECK(miss.sensitivity == 0.0);
  CHECK(miss.precision == 1.0);  // nothing predicted, nothing wrongly predicted
  const ClassMetrics extra = compute_metrics(one, empty, 2).classes[1];
  CHECK(extra.dice == 0.0);
  CHECK(std::isnan(extra.hd));
  CHECK(extra.precision == 0.0);
  auto e = mask_of(empty), o = mask_of(one);
  SEGRT_CHECK_ERROR_HAS(hausdorff(e.data(), o.data(), 5, 5), "empty");
  SEGRT_CHECK_ERROR_HAS(compute_metrics(one, LabelMap(4, 5), 2), "differ");
  SEGRT_CHECK_ERROR_HAS(compute_metrics(rect(5, 5, 0, 0, 0, 0, 3), one, 3), "label 3");
}

TEST_CASE("metrics: accumulation reports per-image means, pooled figures beside") {
  MetricsAccumulator acc(3);
  // Image 1: class 1 right on one pixel, class 2 absent from both.
  acc.add(rect(10, 10, 0, 0, 0, 0), rect(10, 10, 0, 0, 0, 0));
  // Image 2: class 1 missed entirely (99 pixels), class 2 exact on a 2x2 block.
  LabelMap truth = rect(10, 10, 0, 9, 0, 9);
  truth.at(9, 9) = 0;
  LabelMap pred(10, 10);
  for (int y = 4; y <= 5; ++y)
    for (int x = 4; x <= 5; ++x) truth.at(y, x) = pred.at(y, x) = 2;
  acc.add(pred, truth, 2.0, 2.0);
  const MetricSummary s = acc.summary();
  CHECK(s.images == 2);
  CHECK(s.classes[1].dice == doctest::Approx(0.5));                    // (1 + 0) / 2
  CHECK(s.classes[1].pooled_dice == doctest::Approx(2.0 / (2 + 95)));  // 1 TP, 95 FN
  CHECK(s.classes[1].hd == doctest::Approx(0.0));                      // image 2 undefined
  CHECK(s.classes[1].hd_images == 1);
  CHECK(s.classes[1].hd_undefined == 1);
  CHECK(s.classes[2].dice == doctest::Approx(1.0));
  CHECK(s.mean_foreground.dice == doctest::Approx(0.75));
  CHECK(s.pixel_accuracy == doctest::Approx((1.0 + 5.0 / 100) / 2));
  CHECK(format_summary(s).find("mean") != std::string::npos);
}

TEST_CASE("metrics: means of perfect scores are exactly 1, never above") {
  // Adding 1/n per image rounds past 1 for n = 40 (and 3 classes' means likewise).
  for (int k : {2, 4}) {
    MetricsAccumulator acc(k, false);
    for (int i = 0; i < 40; ++i) acc.add(LabelMap(8, 8), rect(8, 8, 0, 1, 0, 1, 1));
    const MetricSummary s = acc.summary();
    for (int c = 1; c < k; ++c) {
      CHECK(s.classes[size_t(c)].precision == 1.0);  // nothing predicted: no false positive
      CHECK(s.classes[size_t(c)].specificity <= 1.0);
    }
    CHECK(s.mean_foreground.precision == 1.0);
    CHECK(s.mean_foreground.specificity <= 1.0);
    CHECK(s.pixel_accuracy <= 1.0);
  }
}

TEST_CASE("metrics: class maps from network scores") {
  const float prob[4] = {0.1f, 0.7f, 0.5f, 0.9f};
  CHECK(labels_from_scores(prob, 1, 2, 2).data == std::vector<int32_t>{0, 1, 0, 1});
  const float logits[8] = {1, 0, 3, 2, /* class 1 */ 0, 5, 3, 1};
  CHECK(labels_from_scores(logits, 2, 2, 2).data == std::vector<int32_t>{0, 1, 0, 0});
}

}  // namespace segrt::test
