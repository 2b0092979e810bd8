// A training step as one graph: the model's forward pass, the loss, the backward ops from
// autodiff and one optimizer-update op per parameter. Every backend that implements the op set
// can therefore train.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/ir.h"

namespace segrt {

// A weighted sum of loss terms, e.g. "bce+dice" or "0.8*focal:gamma=1,alpha=0.25+0.2*log_dice".
struct LossSpec {
  struct Term {
    std::string kind;
    double weight = 1;
    Attrs attrs;  // gamma, alpha, beta, smooth, skip_background
  };
  std::vector<Term> terms;
  static LossSpec parse(const std::string& text);
  std::string str() const;
};

// Optimizer: "sgd", "sgd:momentum=0.9,nesterov=1,wd=1e-4", "adam", "adamw:wd=1e-2".
struct OptimSpec {
  std::string kind = "adam";  // sgd | adam | adamw
  Attrs attrs;                // momentum, nesterov, wd, beta1, beta2, eps
  double l2 = 0;              // Keras-style L2 on kernels: loss += l2 * sum(w^2)
  static OptimSpec parse(const std::string& text);
  std::string str() const;
};

struct TrainGraph {
  int target = -1;           // input: [N, K, H, W] binary or one-hot target
  int loss = -1;             // [1] total loss (without the L2 term)
  int hyper = -1;            // input: [learning rate, step]
  std::vector<int> updates;  // outputs of the update ops: compute these to take a step
};

// Adds the weighted sum of the loss terms on `logits` against `target`; returns the [1] loss.
int add_loss(Graph& g, int logits, int target, const std::string& activation, const LossSpec& loss);

// Extends `g` (a model graph built in training mode whose output is `logits`) into a training
// step. `activation` is the head: sigmoid or softmax.
TrainGraph add_training(Graph& g, int logits, const std::string& activation, const LossSpec& loss,
                        const OptimSpec& optim);

}  // namespace segrt
