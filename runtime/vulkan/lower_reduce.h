// Sum reductions shared by reduce_to, channel_sum and global_avg_pool: a short reduction is one
// invocation per output (shaders/reduce.comp); a long one is split over workgroups with a
// shared-memory tree (shaders/reduce_split.comp), partial sums adding up in a second pass.
#pragma once

#include "runtime/vulkan/lower.h"

namespace segrt::vk {

// The subgroup size when workgroup sums should be one subgroup's shuffle butterfly instead of
// a shared-memory tree: on CPU devices with subgroup shuffles (lavapipe's workgroups with
// barriers run as coroutines, which costs more than the sums), a power of two in [4, 64];
// else 0. SEGRT_VULKAN_REDUCE=tree|shuffle forces a side (shuffle where the device can).
int32_t subgroup_tree_size();

// Terms per output from which the split path is taken.
constexpr int64_t kLongReduction = 512;

// Sums value `in` (dense, shape `in_shape`) over the axes where `kept` (same rank) is 1 and
// in_shape is not, into value `out`, divided by `divisor`.
Lowered lower_sum(int in, int out, const Shape& in_shape, const Shape& kept, float divisor = 1);

// Workgroups spread over x and y (at most 65535 along x, the limit every device guarantees).
void spread_groups(Dispatch& d, int64_t groups);

}  // namespace segrt::vk
