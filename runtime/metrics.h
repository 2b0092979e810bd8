// Segmentation metrics: overlap (Dice, IoU), confusion ratios, and Hausdorff distances in mm.
// Conventions (empty masks, boundaries, percentiles, averaging) are in docs/metrics.md.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "runtime/data/image.h"

namespace segrt {

struct ClassMetrics {
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;
  double dice = 0, iou = 0, accuracy = 0, sensitivity = 0, specificity = 0, precision = 0;
  // Symmetric Hausdorff distance and its 95th percentile, in mm: 0 when both masks are empty,
  // NaN (undefined) when exactly one is, NaN too when not computed.
  double hd = std::numeric_limits<double>::quiet_NaN();
  double hd95 = std::numeric_limits<double>::quiet_NaN();
};

// Metrics of one binary pair of masks (nonzero = foreground), h x w pixels of sy x sx mm.
ClassMetrics binary_metrics(const uint8_t* pred, const uint8_t* truth, int h, int w, double sy = 1,
                            double sx = 1, bool hausdorff = true);

struct HausdorffDistances {
  double hd = 0, hd95 = 0;
};
// Boundary pixels = foreground pixels with a 4-neighbour in the background (outside the image
// counts as background); distances between boundary sets by an exact Euclidean distance
// transform. Both masks must be non-empty (Error otherwise).
HausdorffDistances hausdorff(const uint8_t* a, const uint8_t* b, int h, int w, double sy = 1,
                             double sx = 1);

// Exact squared Euclidean distance (in units of sy, sx) from every pixel to the nearest pixel
// where `site` is nonzero (Felzenszwalb & Huttenlocher, 2012); +inf when there is none.
std::vector<double> squared_distance_transform(const uint8_t* site, int h, int w, double sy = 1,
                                               double sx = 1);

struct ImageMetrics {
  std::vector<ClassMetrics> classes;  // one per class, background (0) included
  double pixel_accuracy = 0;          // fraction of pixels whose class is right
};
ImageMetrics compute_metrics(const LabelMap& pred, const LabelMap& truth, int num_classes,
                             double sy = 1, double sx = 1, bool hausdorff = true);

// Class map from network outputs [K,H,W]: K = 1 thresholds a foreground probability, K > 1 takes
// the arg-max (first on ties).
LabelMap labels_from_scores(const float* scores, int k, int h, int w, float threshold = 0.5f);

struct MetricSummary {
  struct Class {
    // Per-image means (the reported figures). HD means are over the images where HD is defined.
    double dice = 0, iou = 0, accuracy = 0, sensitivity = 0, specificity = 0, precision = 0;
    double hd = std::numeric_limits<double>::quiet_NaN();
    double hd95 = std::numeric_limits<double>::quiet_NaN();
    int64_t hd_images = 0, hd_undefined = 0;
    // Pooled over every pixel of the set, for comparison.
    double pooled_dice = 0, pooled_iou = 0;
  };
  std::vector<Class> classes;  // per class, background included
  Class mean_foreground;       // mean of the per-class figures over classes 1..K-1
  double pixel_accuracy = 0;   // per-image mean
  int64_t images = 0;
};

class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(int num_classes, bool hausdorff = true);
  void add(const LabelMap& pred, const LabelMap& truth, double sy = 1, double sx = 1);
  const std::vector<ImageMetrics>& images() const { return images_; }
  MetricSummary summary() const;

 private:
  int k_;
  bool hd_;
  std::vector<ImageMetrics> images_;
};

// A plain-text table of a summary (one row per foreground class and the mean).
std::string format_summary(const MetricSummary& s);

}  // namespace segrt
