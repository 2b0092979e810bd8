// The segmentation loss op `seg_loss(logits, target) -> [1]` and its gradient op
// `seg_loss_grad(logits, target, dy) -> dlogits`. The activation (sigmoid or softmax over
// channels) is part of the loss so that both are evaluated in a numerically stable form.
#include "graph/ops/loss.h"

#include <cmath>
#include <map>

#include "graph/op_registry.h"

namespace segrt {

const char* loss_kind_name(LossKind k) {
  switch (k) {
    case LossKind::Bce:
      return "bce";
    case LossKind::Dice:
      return "dice";
    case LossKind::DiceSq:
      return "dice_sq";
    case LossKind::LogDice:
      return "log_dice";
    case LossKind::Focal:
      return "focal";
    case LossKind::Tversky:
      return "tversky";
    case LossKind::FocalTversky:
      return "focal_tversky";
    case LossKind::Ce:
      return "ce";
    case LossKind::MDice:
      return "mdice";
  }
  return "?";
}

namespace {

Error bad(const std::string& what) {
  return Error("seg_loss: " + what);
}

LossKind parse_kind(const std::string& s) {
  static const std::map<std::string, LossKind> kinds = {{"bce", LossKind::Bce},
                                                        {"dice", LossKind::Dice},
                                                        {"dice_sq", LossKind::DiceSq},
                                                        {"log_dice", LossKind::LogDice},
                                                        {"focal", LossKind::Focal},
                                                        {"tversky", LossKind::Tversky},
                                                        {"focal_tversky", LossKind::FocalTversky},
                                                        {"ce", LossKind::Ce},
                                                        {"mdice", LossKind::MDice}};
  auto it = kinds.find(s);
  if (it != kinds.end()) return it->second;
  std::string known;
  for (auto& [k, v] : kinds) known += (known.empty() ? "" : ", ") + k;
  throw bad("unknown kind '" + s + "' (known: " + known + ")");
}

// Rejects attributes the kind does not read: a misspelt or misplaced one would otherwise be
// silently ignored.
void check_attr_names(const Attrs& a, const LossSpec& s) {
  for (auto& [k, v] : a.all()) {
    bool ok = k == "kind" || k == "activation";
    switch (s.kind) {
      case LossKind::Focal:
        ok |= k == "gamma" || k == "alpha";
        break;
      case LossKind::Tversky:
        ok |= k == "alpha" || k == "beta" || k == "smooth";
        break;
      case LossKind::FocalTversky:
        ok |= k == "alpha" || k == "beta" || k == "smooth" || k == "gamma";
        break;
      case LossKind::Bce:
      case LossKind::Ce:
        break;
      default:
        ok |= k == "smooth";
        break;
    }
    if (s.region()) ok |= k == "skip_background";
    if (!ok)
      throw bad("attribute '" + k + "' does not apply to kind '" + loss_kind_name(s.kind) + "'");
  }
}

}  // namespace

LossSpec loss_spec(const Attrs& a) {
  LossSpec s;
  s.kind = parse_kind(a.s("kind"));
  const bool softmax_only = s.kind == LossKind::Ce || s.kind == LossKind::MDice;
  const std::string act = a.s("activation", softmax_only ? "softmax" : "sigmoid");
  if (act != "sigmoid" && act != "softmax")
    throw bad("activation must be sigmoid or softmax, got '" + act + "'");
  s.softmax = act == "softmax";
  if (softmax_only && !s.softmax)
    throw bad(std::string("kind '") + loss_kind_name(s.kind) +
              "' needs activation=softmax (use bce or dice for sigmoid outputs)");
  if (s.kind == LossKind::Bce && s.softmax)
    throw bad("kind 'bce' needs activation=sigmoid (use ce for softmax outputs)");
  check_attr_names(a, s);

  switch (s.kind) {
    case LossKind::Focal:
      s.gamma = a.f("gamma", 2.0);
      s.alpha = a.f("alpha", 0.25);
      break;
    case LossKind::Tversky:
    case LossKind::FocalTversky:
      s.alpha = a.f("alpha", 0.7);
      s.beta = a.f("beta", 0.3);
      s.gamma = a.f("gamma", 0.75);
      break;
    default:
      break;
  }
  s.smooth = a.f("smooth", 1.0);
  s.skip_background = a.i("skip_background", 0) != 0;

  if (!(s.gamma >= 0)) throw bad("gamma must be >= 0");
  if (s.kind == LossKind::Focal && !(s.alpha >= 0 && s.alpha <= 1))
    throw bad("alpha must be in [0, 1] for focal");
  if (!(s.alpha >= 0) || !(s.beta >= 0)) throw bad("alpha and beta must be >= 0");
  if (s.region() && !(s.smooth >= 0)) throw bad("smooth must be >= 0");
  if ((s.kind == LossKind::Tversky || s.kind == LossKind::FocalTversky) && s.alpha + s.beta <= 0 &&
      s.smooth <= 0)
    throw bad("tversky needs alpha + beta > 0 or smooth > 0");
  if (s.kind == LossKind::LogDice && s.smooth <= 0)
    throw bad("log_dice needs smooth > 0 (log of zero otherwise)");
  return s;
}

namespace {

std::vector<Shape> infer_loss(const std::vector<Shape>& in, const Attrs& a) {
  const LossSpec s = loss_spec(a);
  if (in[0].size() < 2) throw bad("logits must be [N, K, ...], got " + shape_str(in[0]));
  if (in[1] != in[0])
    throw bad("target " + shape_str(in[1]) + " must have the shape of logits " + shape_str(in[0]));
  if (numel(in[0]) == 0) throw bad("logits are empty");
  const int64_t k = in[0][1];
  if (s.softmax && k < 2) throw bad("softmax needs at least 2 channels, got " + shape_str(in[0]));
  if (s.skip_background && k < 2)
    throw bad("skip_background needs at least 2 channels, got " + shape_str(in[0]));
  return {Shape{1}};
}

// Per element: the activation, its derivative and the loss terms; softmax adds a pass over
// the channels. Rough counts, used for cost reports only.
double loss_flops(const Shape& x, const LossSpec& s) {
  double per = s.kind == LossKind::Focal ? 20 : 10;
  if (s.softmax) per += 6;
  return per * double(numel(x));
}

SEGRT_REGISTER_OP((OpDef{
    .name = "seg_loss",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = infer_loss,
    .flops = [](auto& in, auto&, auto& a) { return loss_flops(in[0], loss_spec(a)); },
    .grad = [](GradContext& c) -> std::vector<int> {
      int dx = c.g.add1("seg_loss_grad", {c.in(0), c.in(1), c.dy[0]}, c.node.attrs);
      return {dx, -1};  // the target takes no gradient
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "seg_loss_grad",
    .min_inputs = 3,
    .max_inputs = 3,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      infer_loss({in[0], in[1]}, a);
      if (in[2] != Shape{1}) throw bad("grad: dy must be [1], got " + shape_str(in[2]));
      return {in[0]};
    },
    .flops = [](auto& in, auto&, auto& a) { return 2 * loss_flops(in[0], loss_spec(a)); },
}));

}  // namespace
}  // namespace segrt
