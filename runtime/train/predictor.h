// Running a trained model: the inference graph (BN folded to its running statistics, dropout
// left out, or kept for Monte-Carlo dropout) with the head's activation, optionally the loss.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/init.h"
#include "graph/nn.h"
#include "graph/training.h"
#include "runtime/backend.h"

namespace segrt {

class Predictor {
 public:
  // `spec` is a zoo spec (a model file's "model"); `loss` may be empty (no loss output).
  Predictor(const std::string& spec, int batch, int channels, int height, int width,
            const std::string& backend, Mode mode = Mode::Infer, const LossSpec* loss = nullptr,
            Precision precision = Precision::Fp32);

  void set_params(const ParamStore& params);
  // images: n <= batch() samples [n, C, H, W]; targets (only with a loss): [n, K, H, W].
  // Returns probabilities [n, K, H, W]; *loss gets the loss of the batch when asked for (a
  // partial batch is padded with copies of its first sample, which the loss then includes).
  std::vector<float> run(const float* images, int n, const float* targets = nullptr,
                         double* loss = nullptr, uint64_t key = 0);

  int batch() const { return batch_; }
  int out_channels() const { return out_channels_; }
  const std::string& head() const { return head_; }
  const Graph& graph() const { return graph_; }
  Program& program() { return *program_; }

 private:
  Graph graph_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Program> program_;
  int batch_, out_channels_;
  std::string head_;
  int image_ = -1, probs_ = -1, target_ = -1, loss_ = -1, key_ = -1;
};

}  // namespace segrt
