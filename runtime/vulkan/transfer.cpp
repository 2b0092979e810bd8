#include "runtime/vulkan/transfer.h"

#include <algorithm>
#include <cstring>

#include "runtime/vulkan/check.h"

namespace segrt::vk {
namespace {

// Staging grows to the largest transfer up to this; larger transfers are copied in pieces.
constexpr size_t kMaxStaging = size_t(64) << 20;

void barrier(VkCommandBuffer cb, VkPipelineStageFlags src_stage, VkAccessFlags src,
             VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
  VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  b.srcAccessMask = src;
  b.dstAccessMask = dst;
  vkCmdPipelineBarrier(cb, src_stage, dst_stage, 0, 1, &b, 0, nullptr, 0, nullptr);
}

// Shader work before a copy must be done (and its writes visible) before the copy; the copy's
// writes must be visible to shaders after it.
constexpr VkPipelineStageFlags kCompute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
constexpr VkPipelineStageFlags kCopy = VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kShaderRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;

}  // namespace

Transfer::Transfer(Context& ctx) : ctx_(ctx) {
  VkDevice dev = ctx_.device();
  VkCommandPoolCreateInfo ci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  ci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  ci.queueFamilyIndex = ctx_.queue_family();
  check(vkCreateCommandPool(dev, &ci, nullptr, &pool_), "creating a command pool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  try {
    check(vkAllocateCommandBuffers(dev, &ai, &cmd_), "allocating a command buffer");
    check(vkCreateFence(dev, &fi, nullptr, &fence_), "creating a fence");
  } catch (...) {
    vkDestroyCommandPool(dev, pool_, nullptr);
    throw;
  }
}

Transfer::~Transfer() {
  VkDevice dev = ctx_.device();
  free_allocation(dev, staging_);
  vkDestroyFence(dev, fence_, nullptr);
  vkDestroyCommandPool(dev, pool_, nullptr);
}

void Transfer::reserve(size_t bytes) {
  if (bytes <= staging_bytes_) return;
  free_allocation(ctx_.device(), staging_);
  staging_bytes_ = 0;
  staging_ = allocate(ctx_, bytes, Placement::Staging);
  staging_bytes_ = bytes;
}

void Transfer::submit(const std::function<void(VkCommandBuffer)>& record) {
  VkDevice dev = ctx_.device();
  check(vkResetCommandBuffer(cmd_, 0), "resetting a command buffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(cmd_, &bi), "beginning a copy");
  record(cmd_);
  check(vkEndCommandBuffer(cmd_), "ending a copy");
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(vkResetFences(dev, 1, &fence_), "resetting a fence");
  ctx_.submit(1, &si, fence_, "submitting a copy");
  check(vkWaitForFences(dev, 1, &fence_, VK_TRUE, UINT64_MAX), "copying");
  ++copies_;
}

void Transfer::upload(VkBuffer dst, size_t offset, const void* src, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  reserve(std::min(bytes, kMaxStaging));
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(bytes - done, staging_bytes_);
    std::memcpy(staging_.mapped, static_cast<const char*>(src) + done, n);
    submit([&](VkCommandBuffer cb) {
      barrier(cb, kCompute, VK_ACCESS_SHADER_WRITE_BIT, kCopy, VK_ACCESS_TRANSFER_WRITE_BIT);
      VkBufferCopy r{0, offset + done, n};
      vkCmdCopyBuffer(cb, staging_.buffer, dst, 1, &r);
      barrier(cb, kCopy, VK_ACCESS_TRANSFER_WRITE_BIT, kCompute, kShaderRW);
    });
    done += n;
  }
}

void Transfer::download(VkBuffer src, size_t offset, void* dst, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  reserve(std::min(bytes, kMaxStaging));
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(bytes - done, staging_bytes_);
    submit([&](VkCommandBuffer cb) {
      barrier(cb, kCompute, VK_ACCESS_SHADER_WRITE_BIT, kCopy, VK_ACCESS_TRANSFER_READ_BIT);
      VkBufferCopy r{offset + done, 0, n};
      vkCmdCopyBuffer(cb, src, staging_.buffer, 1, &r);
      barrier(cb, kCopy, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
              VK_ACCESS_HOST_READ_BIT);
    });
    std::memcpy(static_cast<char*>(dst) + done, staging_.mapped, n);
    done += n;
  }
}

void Transfer::zero(VkBuffer dst, size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  submit([&](VkCommandBuffer cb) {
    barrier(cb, kCompute, VK_ACCESS_SHADER_WRITE_BIT, kCopy, VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdFillBuffer(cb, dst, 0, bytes, 0);
    barrier(cb, kCopy, VK_ACCESS_TRANSFER_WRITE_BIT, kCompute, kShaderRW);
  });
}

}  // namespace segrt::vk
