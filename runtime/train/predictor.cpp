#include "runtime/train/predictor.h"

#include <algorithm>

#include "graph/models/zoo.h"

namespace segrt {

Predictor::Predictor(const std::string& spec, int batch, int channels, int height, int width,
                     const std::string& backend, Mode mode, const LossSpec* loss,
                     Precision precision)
    : batch_(batch) {
  graph_ = build_model(spec, batch, mode, channels, height, width);
  head_ = graph_.meta.at("head");
  image_ = graph_.get("image");
  int logits = graph_.outputs().at(0);
  out_channels_ = static_cast<int>(graph_.value(logits).shape.at(1));
  probs_ = graph_.add1(head_ == "softmax" ? "softmax_channels" : "sigmoid", {logits}, {},
                       "probabilities");
  std::vector<int> outs = {probs_};
  if (loss) {
    target_ = graph_.add_input("target", graph_.value(logits).shape);
    loss_ = add_loss(graph_, logits, target_, head_, *loss);
    outs.push_back(loss_);
  }
  graph_.set_outputs(outs);
  key_ = graph_.find("rng_key");
  backend_ = make_backend(backend, precision);
  program_ = backend_->compile(graph_, outs);
}

void Predictor::set_params(const ParamStore& params) {
  check_params(graph_, params, /*allow_extra=*/true);
  for (auto& v : graph_.values())
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      program_->write(v.id, params.at(v.name));
}

std::vector<float> Predictor::run(const float* images, int n, const float* targets, double* loss,
                                  uint64_t key) {
  if (n < 1 || n > batch_) throw Error("predictor: batch of " + std::to_string(n));
  const Shape& is = graph_.value(image_).shape;
  const size_t per_image = static_cast<size_t>(is[1] * is[2] * is[3]);
  // A partial batch is padded with copies of its first image; their outputs are dropped.
  std::vector<float> in(per_image * batch_);
  for (int b = 0; b < batch_; ++b)
    std::copy_n(images + per_image * (b < n ? b : 0), per_image, in.data() + per_image * b);
  program_->write(image_, in);
  if (target_ >= 0) {
    if (!targets) throw Error("predictor: this model computes a loss and needs targets");
    const size_t per_t = static_cast<size_t>(numel(graph_.value(target_).shape)) / batch_;
    std::vector<float> t(per_t * batch_);
    for (int b = 0; b < batch_; ++b)
      std::copy_n(targets + per_t * (b < n ? b : 0), per_t, t.data() + per_t * b);
    program_->write(target_, t);
  }
  if (key_ >= 0) program_->write(key_, std::vector<float>{static_cast<float>(key)});
  program_->run();
  std::vector<float> p = program_->read(probs_);
  const size_t per_out = p.size() / batch_;
  p.resize(per_out * n);
  if (loss && loss_ >= 0) *loss = program_->read(loss_).at(0);
  return p;
}

}  // namespace segrt
