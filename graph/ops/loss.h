// The segmentation losses' attributes, parsed once with their per-kind defaults, so the op
// definition and every backend's kernels agree on what `seg_loss` computes.
#pragma once

#include <string>

#include "graph/ir.h"

namespace segrt {

enum class LossKind { Bce, Dice, DiceSq, LogDice, Focal, Tversky, FocalTversky, Ce, MDice };

struct LossSpec {
  LossKind kind = LossKind::Bce;
  bool softmax = false;          // activation: softmax over channels, else per-element sigmoid
  double gamma = 0;              // focal: 2; focal_tversky: 0.75
  double alpha = 0;              // focal: 0.25 (weight of t=1); tversky kinds: 0.7 (weight of FN)
  double beta = 0;               // tversky kinds: 0.3 (weight of FP)
  double smooth = 1;             // region kinds (Dice family and Tversky)
  bool skip_background = false;  // region kinds with softmax: average over channels 1..K-1

  // Dice, Dice², log-Dice, Tversky, focal Tversky and multi-class Dice: computed per channel
  // over the whole batch, then averaged over channels.
  bool region() const {
    return kind != LossKind::Bce && kind != LossKind::Focal && kind != LossKind::Ce;
  }
};

// Reads and validates `seg_loss` attributes: kind, activation (default: softmax for ce and
// mdice, sigmoid otherwise), gamma, alpha, beta, smooth, skip_background. Throws Error naming
// the attribute on a bad value or a kind/activation pair that makes no sense.
LossSpec loss_spec(const Attrs& a);

const char* loss_kind_name(LossKind k);

}  // namespace segrt
