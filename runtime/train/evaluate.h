// Evaluating a model on samples of a data set: loss (when the predictor has one) and metrics.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "runtime/data/dataset.h"
#include "runtime/metrics.h"
#include "runtime/train/predictor.h"

namespace segrt {

struct Evaluation {
  double loss = 0;  // mean over batches; 0 when the predictor computes no loss
  MetricSummary summary;
};

// `on_prediction` (optional) sees each sample index with its predicted label map.
Evaluation evaluate(Predictor& pred, const Dataset& ds, const std::vector<size_t>& indices,
                    bool hausdorff,
                    const std::function<void(size_t, const LabelMap&)>& on_prediction = {});

}  // namespace segrt
