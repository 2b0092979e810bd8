#include "runtime/train/evaluate.h"

#include "runtime/data/transform.h"

namespace segrt {

Evaluation evaluate(Predictor& pred, const Dataset& ds, const std::vector<size_t>& idx,
                    bool hausdorff,
                    const std::function<void(size_t, const LabelMap&)>& on_prediction) {
  MetricsAccumulator acc(ds.num_classes, hausdorff);
  const bool one_hot = pred.out_channels() > 1;
  double loss_sum = 0;
  int batches = 0;
  for (size_t i = 0; i < idx.size(); i += pred.batch()) {
    std::vector<const Sample*> chunk;
    for (size_t j = i; j < std::min(idx.size(), i + pred.batch()); ++j)
      chunk.push_back(&ds.samples[idx[j]]);
    Batch b = make_batch(chunk, ds.num_classes, one_hot);
    double loss = 0;
    auto probs = pred.run(b.images.data(), static_cast<int>(chunk.size()), b.targets.data(), &loss);
    loss_sum += loss;
    ++batches;
    const int k = pred.out_channels(), h = chunk[0]->labels.h, w = chunk[0]->labels.w;
    for (size_t j = 0; j < chunk.size(); ++j) {
      LabelMap lm = labels_from_scores(probs.data() + j * size_t(k) * h * w, k, h, w);
      acc.add(lm, chunk[j]->labels, chunk[j]->spacing_y, chunk[j]->spacing_x);
      if (on_prediction) on_prediction(idx[i + j], lm);
    }
  }
  return {batches ? loss_sum / batches : 0, acc.summary()};
}

}  // namespace segrt
