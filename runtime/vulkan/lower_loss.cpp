// shaders/seg_loss_sums.comp, seg_loss_final.comp and seg_loss_grad.comp: seg_loss and
// seg_loss_grad. The loss is a split reduction: per-workgroup partial sums in scratch, then one
// workgroup adds them up (no atomics, the same result every run). The gradient of bce, focal
// and ce is local to a pixel (one dispatch); the region kinds first repeat the loss's sums to
// get per-channel coefficients (scratch 1), which the per-pixel pass then reads.
#include <algorithm>
#include <bit>

#include "graph/ops/loss.h"
#include "runtime/vulkan/lower.h"

namespace segrt::vk {
namespace {

constexpr int64_t kGroup = 256;  // local_size_x of seg_loss_sums.comp

Lowered lower_loss(const Graph& g, const Node& n) {
  const bool grad = n.op == "seg_loss_grad";
  const LossSpec s = loss_spec(n.attrs);
  const Shape& x = shape_of(g, n.inputs.at(0));
  const int64_t N = x.at(0), K = x.at(1), S = numel(x) / (N * K), pixels = N * S;
  const int64_t groups = std::max<int64_t>(1, (pixels + kGroup - 1) / kGroup);
  const int64_t ch = s.region() ? K : 1;  // channels of partial sums
  const std::vector<int32_t> spec = {static_cast<int32_t>(s.kind),
                                     s.softmax ? 1 : 0,
                                     s.region() && s.skip_background ? 1 : 0,
                                     fbits(s.gamma),
                                     fbits(s.alpha),
                                     fbits(s.beta),
                                     fbits(s.smooth)};
  PushParams p;
  p.n = i32(pixels);
  p.dims[0] = i32(N);
  p.dims[1] = i32(K);
  p.dims[2] = i32(S);
  p.dims[3] = i32(groups);
  const int z = n.inputs[0], t = n.inputs[1], out = n.outputs.at(0);

  Lowered l;
  if (grad && !s.region()) {  // local to each pixel: no sums needed
    Dispatch d{"seg_loss_grad", spec, p, {z, t, n.inputs.at(2), out}, {3}};
    return {{d}};
  }
  l.scratch = {groups * ch * 3};
  Dispatch sums{"seg_loss_sums", spec, p, {z, t, scratch(0)}, {2}};
  // Past 65535 groups over x, the rest go over y (the shader skips the surplus).
  sums.groups[0] = static_cast<uint32_t>(std::min<int64_t>(groups, 65535));
  sums.groups[1] = static_cast<uint32_t>((groups + sums.groups[0] - 1) / sums.groups[0]);
  sums.groups[2] = 1;
  l.dispatches.push_back(sums);

  std::vector<int32_t> fspec = spec;
  fspec.push_back(grad ? 1 : 0);
  Dispatch fin{"seg_loss_final", fspec, p, {scratch(0), grad ? n.inputs.at(2) : out, out}, {2}};
  if (grad) {
    l.scratch.push_back(K * 3);
    fin.bind[2] = scratch(1);
  }
  fin.groups[0] = fin.groups[1] = fin.groups[2] = 1;
  l.dispatches.push_back(fin);
  if (grad) l.dispatches.push_back({"seg_loss_grad", spec, p, {z, t, scratch(1), out}, {3}});
  return l;
}

SEGRT_VK_LOWER(lower_loss, "seg_loss", "seg_loss_grad");

}  // namespace
}  // namespace segrt::vk
