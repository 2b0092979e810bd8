// reduce_to and channel_sum, and the sum lowering global_avg_pool shares (lower_reduce.h).
#include "runtime/vulkan/lower_reduce.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "runtime/vulkan/quirks.h"

namespace segrt::vk {
namespace {

// An axis of the input after merging neighbours of the same kind.
struct Axis {
  int64_t size, stride;
  bool summed;
};

// Drops size-1 axes and merges adjacent axes that are both summed or both kept (dense
// row-major layout: a merged axis takes the inner one's stride).
std::vector<Axis> compress(const Shape& in, const Shape& kept) {
  std::vector<Axis> rev;  // innermost first
  int64_t stride = 1;
  for (int i = static_cast<int>(in.size()) - 1; i >= 0; --i) {
    if (in[i] != 1) {
      const bool summed = kept[i] == 1;
      if (!rev.empty() && rev.back().summed == summed)
        rev.back().size *= in[i];
      else
        rev.push_back({in[i], stride, summed});
    }
    stride *= in[i];
  }
  if (rev.size() > 6) throw Error("vulkan: reduction over more than 6 axes");
  return {rev.rbegin(), rev.rend()};
}

// reduce.comp's layout: every axis, summed ones with output dim 1.
Dispatch serial_sum(int in, int out, const std::vector<Axis>& axes, int64_t outputs, float div) {
  Dispatch d;
  d.shader = "reduce";
  d.bind = {in, out, out};
  d.writes = {2};
  d.p.n = i32(outputs);
  d.p.rank = static_cast<int32_t>(axes.size());
  d.p.alpha = div;
  int64_t red = 1;
  for (size_t j = 0; j < axes.size(); ++j) {
    const Axis& a = axes[j];
    d.p.dims[j] = a.summed ? 1 : i32(a.size);
    d.p.sa[j] = a.summed ? 0 : i32(a.stride);
    d.p.sb[j] = i32(a.stride);
    d.p.rdims[j] = a.summed ? i32(a.size) : 1;
    if (a.summed) red *= a.size;
  }
  d.p.red = i32(red);
  return d;
}

Lowered lower_reduce_to(const Graph& g, const Node& n) {
  // Right-align the target against the input, 1 on the leading axes it lacks.
  const Shape& in = shape_of(g, n.inputs[0]);
  const Shape& out = shape_of(g, n.outputs[0]);
  Shape kept(in.size(), 1);
  for (size_t i = 0; i < out.size(); ++i) kept[in.size() - out.size() + i] = out[i];
  return lower_sum(n.inputs[0], n.outputs[0], in, kept);
}

// The input seen as [N, C, inner], summed onto C.
Lowered lower_channel_sum(const Graph& g, const Node& n) {
  const Shape& x = shape_of(g, n.inputs[0]);
  const int64_t N = x.at(0), C = x.at(1), inner = numel(x) / std::max<int64_t>(1, N * C);
  return lower_sum(n.inputs[0], n.outputs[0], {N, C, inner}, {1, C, 1});
}

SEGRT_VK_LOWER(lower_reduce_to, "reduce_to");
SEGRT_VK_LOWER(lower_channel_sum, "channel_sum");

}  // namespace

int32_t subgroup_tree_size() {
  const auto ctx = Context::get();  // held: a reference to get()'s temporary would dangle
  const uint32_t sg = ctx->info().subgroup_size;
  const bool can = ctx->features().subgroup_shuffle && sg >= 4 && sg <= 64 && (sg & (sg - 1)) == 0;
  bool want = ctx->info().type == "cpu";
  if (const char* env = std::getenv("SEGRT_VULKAN_REDUCE")) {
    const std::string v = env;
    if (v != "tree" && v != "shuffle")
      throw Error("SEGRT_VULKAN_REDUCE: '" + v + "' is not 'tree' or 'shuffle'");
    want = v == "shuffle";
  }
  return can && want ? static_cast<int32_t>(sg) : 0;
}

void spread_groups(Dispatch& d, int64_t groups) {
  const int64_t gx = std::clamp<int64_t>(groups, 1, 65535);
  d.groups[0] = static_cast<uint32_t>(gx);
  d.groups[1] = static_cast<uint32_t>((groups + gx - 1) / gx);
  d.groups[2] = 1;
}

Lowered lower_sum(int in, int out, const Shape& in_shape, const Shape& kept, float divisor) {
  const std::vector<Axis> axes = compress(in_shape, kept);
  int64_t outputs = 1, red = 1;
  for (const Axis& a : axes) (a.summed ? red : outputs) *= a.size;
  if (red < kLongReduction || numel(in_shape) == 0)
    return {{serial_sum(in, out, axes, outputs, divisor)}};

  // vec4 reads (reduce_split.comp's VEC) when the innermost summed axis is dense and whole
  // vec4s and every other offset steps by whole vec4s.
  bool vec =
      !axes.empty() && axes.back().summed && axes.back().stride == 1 && axes.back().size % 4 == 0;
  for (const Axis& a : axes) vec = vec && (a.stride % 4 == 0 || &a == &axes.back());
  // Splits of about 16 terms per invocation (64, as 16 vec4s, on the vec4 path: fewer
  // workgroup trees, which cost lavapipe more than the reads), at most 128 per output.
  const int64_t per = vec ? 8192 : 2048;
  const int64_t splits = std::min<int64_t>((red + per - 1) / per, 128);
  int64_t chunk = (red + splits - 1) / splits;
  if (vec) chunk = (chunk + 3) / 4 * 4;  // splits start on a vec4
  const int32_t sg = subgroup_tree_size();
  Dispatch d;
  d.shader = sg ? "reduce_split_shuffle" : "reduce_split";
  d.spec = {vec ? 1 : 0, sg ? sg : 128};
  d.bind = {in, in, splits == 1 ? out : scratch(0)};
  d.writes = {2};
  d.p.n = i32(outputs);
  d.p.red = i32(red);
  d.p.alpha = splits == 1 ? divisor : 1.0f;
  int kr = 0, rr = 0;
  for (const Axis& a : axes) {
    if (a.summed) {
      d.p.rdims[rr] = i32(a.size);
      d.p.sb[rr++] = i32(a.stride);
    } else {
      d.p.dims[kr] = i32(a.size);
      d.p.sa[kr++] = i32(a.stride);
    }
  }
  d.p.rank = kr;
  d.p.ex[0] = i32(splits);
  d.p.ex[1] = i32(chunk);
  d.p.ex[2] = rr;
  spread_groups(d, outputs * splits);
  if (splits == 1) return {{d}};
  // The partials as [outputs, splits], summed along splits.
  Dispatch second =
      serial_sum(scratch(0), out, {{outputs, splits, false}, {splits, 1, true}}, outputs, divisor);
  return {{d, second}, {outputs * splits}};
}

}  // namespace segrt::vk
