// Batch norm (training, inference and their gradients) and layer norm over channels:
// per-channel statistics in two passes (shaders/norm_stats.comp: a workgroup per channel and
// split with a shared-memory tree; norm_finish.comp: the splits merged per channel), then the
// elementwise pass (batch_norm.comp, layer_norm.comp).
#include <algorithm>
#include <cstring>

#include "runtime/vulkan/lower_reduce.h"

namespace segrt::vk {
namespace {

// x as [N, C, HW] and how each channel's M = N*HW elements are split over workgroups.
struct Split {
  int64_t N, C, HW, M, splits, chunk;
  bool vec;  // planes of whole vec4s: the shaders' VEC paths
  explicit Split(const Shape& x)
      : N(x.at(0)), C(x.at(1)), HW(x.at(2) * x.at(3)), M(N * HW), vec(HW % 4 == 0) {
    // About 16 elements per invocation (64, as 16 vec4s, on the vec4 path: fewer workgroup
    // trees, which cost lavapipe more than the reads), at most 128 splits per channel.
    const int64_t per = vec ? 8192 : 2048;
    splits = std::clamp<int64_t>((M + per - 1) / per, 1, 128);
    chunk = (M + splits - 1) / splits;
    if (vec) chunk = (chunk + 3) / 4 * 4;  // splits start on a vec4
  }
};

// Pass 1 into scratch(0): bindings x, mean, invstd (or running_var), dy.
Dispatch stats(const Split& s, int mode, int x, int mean, int inv, int dy, double eps) {
  Dispatch d;
  const int32_t sg = subgroup_tree_size();
  d.shader = sg ? "norm_stats_shuffle" : "norm_stats";
  d.spec = {mode, s.vec ? 1 : 0, sg ? sg : 128};
  d.bind = {x, mean, inv, dy, scratch(0)};
  d.writes = {4};
  d.p.n = i32(s.C * s.splits);
  d.p.alpha = static_cast<float>(eps);
  d.p.dims[0] = i32(s.N);
  d.p.dims[1] = i32(s.C);
  d.p.dims[2] = i32(s.HW);
  d.p.ex[0] = i32(s.splits);
  d.p.ex[1] = i32(s.chunk);
  spread_groups(d, s.C * s.splits);
  return d;
}

// Pass 2: the splits merged per channel into bindings 1..4 (see norm_finish.comp); with
// `coef` (batch norm) also the per-channel vec4s of the elementwise pass into scratch(1), from
// bindings 3..6 `in`.
Dispatch finish(const Split& s, int mode, std::vector<int> outs, double eps, double momentum,
                std::vector<int> in = {}) {
  const bool coef = !in.empty();
  Dispatch d;
  d.shader = "norm_finish";
  d.spec = {mode, coef ? 1 : 0};
  d.bind = {scratch(0)};
  for (int v : outs) {
    d.writes.push_back(static_cast<int>(d.bind.size()));
    d.bind.push_back(v);
  }
  if (coef) {
    // Bindings 3..6 take `in` where outs left them free; 7 the coefficients.
    d.bind.resize(7, scratch(0));
    for (size_t k = 0; k < in.size(); ++k)
      if (in[k] >= 0) d.bind[3 + k] = in[k];
    d.bind.push_back(scratch(1));
    d.writes.push_back(7);
  }
  d.p.n = i32(s.C);
  d.p.alpha = static_cast<float>(eps);
  d.p.dims[0] = i32(s.M);
  d.p.ex[0] = i32(s.splits);
  d.p.ex[1] = i32(s.chunk);
  const float mom = static_cast<float>(momentum);
  std::memcpy(&d.p.ex[2], &mom, 4);
  return d;
}

// Pass 3: batch_norm.comp over every element.
Dispatch apply(const Split& s, int mode, std::vector<int> bind, double eps) {
  Dispatch d;
  d.shader = "batch_norm";
  d.spec = {mode, s.vec ? 1 : 0};
  d.writes = {static_cast<int>(bind.size()) - 1};
  d.bind = std::move(bind);
  d.p.n = i32(s.N * s.C * s.HW / (s.vec ? 4 : 1));
  d.p.alpha = static_cast<float>(eps);
  d.p.dims[0] = i32(s.C);
  d.p.dims[1] = i32(s.HW);
  // Grid (plane chunks of 64, C, N): every axis within the 65535 every device allows.
  const int64_t chunks = (s.HW / (s.vec ? 4 : 1) + 63) / 64;
  if (chunks > 65535 || s.C > 65535 || s.N > 65535)
    throw Error("vulkan: batch norm over more than 65535 channels, batches or 4M-pixel planes");
  d.groups[0] = static_cast<uint32_t>(std::max<int64_t>(chunks, 1));
  d.groups[1] = static_cast<uint32_t>(s.C);
  d.groups[2] = static_cast<uint32_t>(s.N);
  return d;
}

Lowered lower_batch_norm(const Graph& g, const Node& n) {
  const std::vector<int>& in = n.inputs;
  const std::vector<int>& out = n.outputs;
  const Split s(shape_of(g, in.at(0)));
  const double eps = n.attrs.f("eps", 1e-3);
  const int64_t partials = 2 * s.C * s.splits, coefs = 4 * s.C;
  if (n.op == "batch_norm_infer")
    return {{apply(s, 1, {in[0], in[1], in[2], in[3], in[4], out[0]}, eps)}};
  if (n.op == "batch_norm_train") {
    // x, gamma, beta, running_mean, running_var -> y, mean, invstd (running stats in place).
    Dispatch st = stats(s, 0, in[0], in[0], in[0], in[0], eps);
    Dispatch fi = finish(s, 0, {out[1], out[2], in[3], in[4]}, eps, n.attrs.f("momentum", 0.99),
                         {-1, -1, in[1], in[2]});
    Dispatch ap = apply(s, 0, {in[0], scratch(1), out[0]}, eps);
    return {{st, fi, ap}, {partials, coefs}};
  }
  // The gradients: x, gamma, mean (running_mean), invstd (running_var), dy -> dx, dgamma, dbeta.
  if (n.op == "batch_norm_infer_grad") {
    Dispatch st = stats(s, 2, in[0], in[2], in[3], in[4], eps);
    Dispatch fi = finish(s, 1, {out[1], out[2]}, eps, 0);
    Dispatch ap = apply(s, 3, {in[4], in[1], in[3], out[0]}, eps);
    return {{st, fi, ap}, {partials}};
  }
  Dispatch st = stats(s, 1, in[0], in[2], in[3], in[4], eps);
  Dispatch fi = finish(s, 1, {out[1], out[2]}, eps, 0, {in[2], in[3], in[1]});
  Dispatch ap = apply(s, 2, {in[0], scratch(1), in[4], out[0]}, eps);
  return {{st, fi, ap}, {partials, coefs}};
}

Lowered lower_layer_norm(const Graph& g, const Node& n) {
  const std::vector<int>& in = n.inputs;
  const std::vector<int>& out = n.outputs;
  const Split s(shape_of(g, in.at(0)));
  const double eps = n.attrs.f("eps", 1e-3);
  Dispatch d;
  d.shader = "layer_norm";
  d.p.n = i32(s.M);
  d.p.alpha = static_cast<float>(eps);
  d.p.dims[0] = i32(s.C);
  d.p.dims[1] = i32(s.HW);
  if (n.op == "layer_norm_channels") {
    d.spec = {0};
    d.bind = {in[0], in[1], in[2], out[0], out[1], out[2]};
    d.writes = {3, 4, 5};
    return {{d}};
  }
  // x, gamma, mean, invstd, dy -> dx, dgamma, dbeta; the parameter sums use per-pixel stats.
  d.spec = {1};
  d.bind = {in[0], in[1], in[2], in[3], in[4], out[0]};
  d.writes = {5};
  Dispatch st = stats(s, 3, in[0], in[2], in[3], in[4], eps);
  Dispatch fi = finish(s, 1, {out[1], out[2]}, eps, 0);
  return {{d, st, fi}, {2 * s.C * s.splits}};
}

SEGRT_VK_LOWER(lower_batch_norm, "batch_norm_train", "batch_norm_grad", "batch_norm_infer",
               "batch_norm_infer_grad");
SEGRT_VK_LOWER(lower_layer_norm, "layer_norm_channels", "layer_norm_channels_grad");

}  // namespace
}  // namespace segrt::vk
