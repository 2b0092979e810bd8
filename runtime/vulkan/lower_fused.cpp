#include "runtime/vulkan/conv_lowering.h"
#include "runtime/vulkan/fused_lowering.h"

namespace segrt::vk {

Lowered lower_conv_epilogue(const Graph& g, const ConvEpilogue& e) {
  const Node& conv = g.node(e.conv);
  const ConvParams cp = conv_params(conv.attrs, "conv2d");
  const int bias = conv.inputs.size() > 2 ? conv.inputs[2] : -1;
  const ConvAct act = e.act_op == "relu"         ? ConvAct::Relu
                      : e.act_op == "leaky_relu" ? ConvAct::LeakyRelu
                      : e.act_op == "sigmoid"    ? ConvAct::Sigmoid
                                                 : ConvAct::None;
  // Placeholders for the folded scale and shift, renumbered after the conv's own scratch.
  const int kScale = scratch(1000), kShift = scratch(1001);
  Lowered conv_l = conv2d_lowering(g, cp, conv.inputs[0], conv.inputs[1], bias,
                                   e.bn >= 0 ? kScale : -1, e.bn >= 0 ? kShift : -1, e.residual,
                                   act, static_cast<float>(e.alpha), e.output);
  if (e.bn < 0) return conv_l;

  const Node& bn = g.node(e.bn);
  const int64_t C = shape_of(g, conv.outputs[0]).at(1);
  const int scale = scratch(static_cast<int>(conv_l.scratch.size()));
  const int shift = scratch(static_cast<int>(conv_l.scratch.size()) + 1);
  Lowered l;
  l.scratch = conv_l.scratch;
  l.scratch.push_back(C);
  l.scratch.push_back(C);
  Dispatch fold;
  fold.shader = "bn_fold";
  fold.bind = {bn.inputs[1], bn.inputs[2], bn.inputs[3], bn.inputs[4], scale, shift};
  fold.writes = {4, 5};
  fold.p.n = i32(C);
  fold.p.alpha = static_cast<float>(bn.attrs.f("eps", 1e-3));
  l.dispatches.push_back(fold);
  for (Dispatch d : conv_l.dispatches) {
    for (int& b : d.bind) b = b == kScale ? scale : b == kShift ? shift : b;
    l.dispatches.push_back(std::move(d));
  }
  return l;
}

}  // namespace segrt::vk
