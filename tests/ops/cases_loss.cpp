// seg_loss cases: every kind with each activation it accepts, on tiny shapes. Targets are
// binary (sigmoid) or one-hot over the channels (softmax); a few use soft targets.
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

enum class Target { Binary, OneHot, Soft, SoftOneHot };

// Logits U(-3, 3) (wide enough to reach the saturated parts of the activations), targets as
// asked. `shape` is the logits' shape, needed to lay out one-hot channels.
std::function<void(int, std::vector<double>&, uint64_t)> loss_fill(Shape shape, Target kind) {
  return [shape, kind](int i, std::vector<double>& d, uint64_t seed) {
    if (i == 0) {
      for (auto& v : d) v *= 3;
      return;
    }
    const int64_t k = shape[1], s = numel(shape) / (shape[0] * shape[1]);
    switch (kind) {
      case Target::Binary:
        for (size_t j = 0; j < d.size(); ++j) d[j] = uniform(seed, j, 0, 1) < 0.4 ? 1 : 0;
        break;
      case Target::Soft:
        for (size_t j = 0; j < d.size(); ++j) d[j] = uniform(seed, j, 0, 1);
        break;
      case Target::OneHot:
      case Target::SoftOneHot:
        for (int64_t n = 0; n < shape[0]; ++n)
          for (int64_t x = 0; x < s; ++x) {
            const uint64_t px = uint64_t(n * s + x);
            const int64_t hot = std::min<int64_t>(k - 1, int64_t(uniform(seed, px, 0, 1) * k));
            for (int64_t c = 0; c < k; ++c) {
              // Soft: a label-smoothed one-hot, still summing to 1 over the channels.
              const double on = kind == Target::OneHot ? 1.0 : 0.9, off = (1 - on) / (k - 1);
              d[(n * k + c) * s + x] = c == hot ? on : off;
            }
          }
        break;
    }
  };
}

OpCase loss_case(const std::string& name, Attrs attrs, Target target, Shape shape) {
  attrs.set("activation",
            target == Target::OneHot || target == Target::SoftOneHot ? "softmax" : "sigmoid");
  return OpCase{.name = "seg_loss/" + name,
                .op = "seg_loss",
                .inputs = {shape, shape},
                .attrs = attrs,
                .seed = 11,
                .tier = Tier::Reduction,
                .no_grad = {1},
                .fill = loss_fill(shape, target)};
}

const Shape kSig{2, 2, 3, 4};   // two independent sigmoid channels
const Shape kSoft{2, 3, 3, 4};  // three classes

}  // namespace

using A = Attrs;
using enum Target;

SEGRT_OP_CASES(
    // Sigmoid (per-channel binary targets).
    loss_case("bce", A{{"kind", "bce"}}, Binary, kSig),
    loss_case("bce_soft_target", A{{"kind", "bce"}}, Soft, kSig),
    loss_case("bce_one_channel", A{{"kind", "bce"}}, Binary, Shape{2, 1, 5, 3}),
    loss_case("dice_sigmoid", A{{"kind", "dice"}}, Binary, kSig),
    loss_case("dice_sigmoid_smooth0", A{{"kind", "dice"}, {"smooth", 0.0}}, Binary, kSig),
    loss_case("dice_sq_sigmoid", A{{"kind", "dice_sq"}}, Binary, kSig),
    loss_case("log_dice_sigmoid", A{{"kind", "log_dice"}}, Binary, kSig),
    loss_case("log_dice_sigmoid_smooth100", A{{"kind", "log_dice"}, {"smooth", 100.0}}, Binary,
              kSig),
    loss_case("focal_sigmoid", A{{"kind", "focal"}}, Binary, kSig),
    loss_case("focal_sigmoid_g1", A{{"kind", "focal"}, {"gamma", 1.0}, {"alpha", 0.25}}, Binary,
              kSig),
    loss_case("focal_sigmoid_g05_soft", A{{"kind", "focal"}, {"gamma", 0.5}, {"alpha", 0.6}}, Soft,
              kSig),
    loss_case("tversky_sigmoid", A{{"kind", "tversky"}}, Binary, kSig),
    loss_case("focal_tversky_sigmoid", A{{"kind", "focal_tversky"}}, Binary, kSig),
    loss_case("focal_tversky_sigmoid_g2",
              A{{"kind", "focal_tversky"}, {"gamma", 2.0}, {"alpha", 0.5}, {"beta", 0.5}}, Binary,
              kSig),
    // Softmax (one-hot targets over the channels).
    loss_case("ce", A{{"kind", "ce"}}, OneHot, kSoft),
    loss_case("ce_smoothed_target", A{{"kind", "ce"}}, SoftOneHot, kSoft),
    loss_case("mdice", A{{"kind", "mdice"}}, OneHot, kSoft),
    loss_case("mdice_skip_background", A{{"kind", "mdice"}, {"skip_background", int64_t(1)}},
              OneHot, kSoft),
    loss_case("dice_softmax", A{{"kind", "dice"}}, OneHot, kSoft),
    loss_case("dice_sq_softmax", A{{"kind", "dice_sq"}}, OneHot, kSoft),
    loss_case("log_dice_softmax", A{{"kind", "log_dice"}}, OneHot, kSoft),
    loss_case("focal_softmax", A{{"kind", "focal"}}, OneHot, kSoft),
    loss_case("focal_softmax_g05", A{{"kind", "focal"}, {"gamma", 0.5}, {"alpha", 1.0}}, OneHot,
              kSoft),
    loss_case("tversky_softmax", A{{"kind", "tversky"}}, OneHot, kSoft),
    loss_case("focal_tversky_softmax",
              A{{"kind", "focal_tversky"}, {"skip_background", int64_t(1)}}, OneHot, kSoft),
    // More than 256 pixels: the Vulkan shaders' sums span several workgroups.
    loss_case("bce_multi_group", A{{"kind", "bce"}}, Binary, Shape{2, 2, 12, 12}),
    loss_case("dice_sigmoid_multi_group", A{{"kind", "dice"}}, Binary, Shape{2, 2, 12, 12}),
    loss_case("ce_multi_group", A{{"kind", "ce"}}, OneHot, Shape{1, 3, 17, 17}),
    loss_case("mdice_multi_group", A{{"kind", "mdice"}, {"skip_background", int64_t(1)}}, OneHot,
              Shape{1, 3, 17, 17}));

}  // namespace segrt::test
