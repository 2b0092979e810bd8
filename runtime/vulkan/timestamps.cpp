#include "runtime/vulkan/timestamps.h"

#include <algorithm>

#include "graph/ir.h"
#include "runtime/vulkan/check.h"

namespace segrt::vk {
namespace {

uint32_t valid_bits(const Context& ctx) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(ctx.physical(), &n, nullptr);
  std::vector<VkQueueFamilyProperties> q(n);
  vkGetPhysicalDeviceQueueFamilyProperties(ctx.physical(), &n, q.data());
  return ctx.queue_family() < n ? q[ctx.queue_family()].timestampValidBits : 0;
}

}  // namespace

std::string timestamps_unsupported(const Context& ctx) {
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(ctx.physical(), &p);
  // timestampComputeAndGraphics promises every compute queue; without it the queue family's
  // own timestampValidBits decides.
  if (valid_bits(ctx) == 0)
    return "vulkan device '" + ctx.info().name +
           "' cannot time kernels: its compute queue family has timestampValidBits = 0" +
           (p.limits.timestampComputeAndGraphics ? "" : " (timestampComputeAndGraphics = false)");
  if (p.limits.timestampPeriod <= 0)
    return "vulkan device '" + ctx.info().name + "' reports timestampPeriod 0";
  return "";
}

Timestamps::Timestamps(std::shared_ptr<Context> ctx, uint32_t dispatches)
    : ctx_(std::move(ctx)), capacity_(dispatches) {
  if (std::string why = timestamps_unsupported(*ctx_); !why.empty()) throw Error(why);
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(ctx_->physical(), &p);
  period_ns_ = p.limits.timestampPeriod;
  const uint32_t bits = valid_bits(*ctx_);
  if (bits < 64) mask_ = (uint64_t(1) << bits) - 1;
  VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = std::max(1u, 2 * capacity_);
  check(vkCreateQueryPool(ctx_->device(), &qi, nullptr, &pool_), "creating a timestamp pool");
}

Timestamps::~Timestamps() {
  vkDestroyQueryPool(ctx_->device(), pool_, nullptr);
}

void Timestamps::reset(VkCommandBuffer cmd) const {
  vkCmdResetQueryPool(cmd, pool_, 0, std::max(1u, 2 * capacity_));
}

void Timestamps::begin(VkCommandBuffer cmd, uint32_t i) const {
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, pool_, 2 * i);
}

void Timestamps::end(VkCommandBuffer cmd, uint32_t i) const {
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_, 2 * i + 1);
}

std::vector<double> Timestamps::read_ms(uint32_t n) const {
  if (n == 0) return {};
  if (n > capacity_) throw Error("vulkan timestamps: " + std::to_string(n) + " > capacity");
  std::vector<uint64_t> t(2 * size_t(n));
  check(vkGetQueryPoolResults(ctx_->device(), pool_, 0, 2 * n, t.size() * 8, t.data(), 8,
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "reading timestamps");
  std::vector<double> ms(n);
  for (uint32_t i = 0; i < n; ++i) {
    // Masked to the valid bits; a counter that wrapped between the two reads still subtracts
    // right modulo 2^bits.
    const uint64_t d = ((t[2 * i + 1] & mask_) - (t[2 * i] & mask_)) & mask_;
    ms[i] = double(d) * period_ns_ * 1e-6;
  }
  return ms;
}

}  // namespace segrt::vk
