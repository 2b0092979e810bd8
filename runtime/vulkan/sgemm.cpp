#include "runtime/vulkan/sgemm.h"

#include <algorithm>

#include "graph/ir.h"
#include "runtime/vulkan/check.h"

namespace segrt::vk {

std::string SgemmTile::str() const {
  return std::to_string(wy * tm) + "x" + std::to_string(wx * tn) + " tile (" + std::to_string(wx) +
         "x" + std::to_string(wy) + " x " + std::to_string(tm) + "x" + std::to_string(tn) +
         (shared ? ", shared bk " + std::to_string(bk) : ", direct") + ")";
}

Sgemm::Sgemm(std::shared_ptr<Context> ctx, SgemmTile t, int m, int n, int k)
    : ctx_(std::move(ctx)) {
  const DeviceInfo& info = ctx_->info();
  if (t.wx < 1 || t.wy < 1 || t.tm < 1 || t.tn < 4 || t.tn % 4 || t.bk < 4 || t.bk % 4)
    throw Error("sgemm: bad tile " + t.str() + " (tn and bk: multiples of 4)");
  if (m < 1 || n < 4 || k < 4 || n % 4 || k % 4)
    throw Error("sgemm: N and K must be positive multiples of 4 (got M=" + std::to_string(m) +
                " N=" + std::to_string(n) + " K=" + std::to_string(k) + ")");
  const size_t shared =
      t.shared ? size_t(t.bk) * (size_t(t.wy) * t.tm + size_t(t.wx) * t.tn) * 4 : 16;
  if (uint32_t(t.wx * t.wy) > info.max_workgroup_invocations ||
      uint32_t(t.wx) > info.max_workgroup_size[0] || uint32_t(t.wy) > info.max_workgroup_size[1] ||
      shared > info.shared_memory_bytes)
    throw Error("sgemm: " + t.str() + " does not fit " + info.name + " (" + std::to_string(shared) +
                " bytes shared)");
  const uint32_t gx = uint32_t((n + t.wx * t.tn - 1) / (t.wx * t.tn));
  const uint32_t gy = uint32_t((m + t.wy * t.tm - 1) / (t.wy * t.tm));
  a_ = std::make_unique<Buffer>(ctx_, size_t(m) * size_t(k) * 4);
  b_ = std::make_unique<Buffer>(ctx_, size_t(k) * size_t(n) * 4);
  c_ = std::make_unique<Buffer>(ctx_, size_t(m) * size_t(n) * 4);
  pipeline_ =
      &ctx_->pipeline("sgemm", std::vector<int32_t>{t.wx, t.wy, t.tm, t.tn, t.bk, t.shared});
  VkDevice dev = ctx_->device();
  try {
    VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kBindings};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.maxSets = 1;
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &ps;
    check(vkCreateDescriptorPool(dev, &pi, nullptr, &pool_), "creating a descriptor pool");
    VkDescriptorSetLayout layout = pipeline_->set_layout();
    VkDescriptorSetAllocateInfo di{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    di.descriptorPool = pool_;
    di.descriptorSetCount = 1;
    di.pSetLayouts = &layout;
    VkDescriptorSet set;
    check(vkAllocateDescriptorSets(dev, &di, &set), "allocating a descriptor set");
    // Bindings past C alias it (the layout has kBindings; the shader uses three).
    VkDescriptorBufferInfo bi[kBindings];
    VkWriteDescriptorSet w[kBindings];
    const Buffer* bufs[3] = {a_.get(), b_.get(), c_.get()};
    for (uint32_t i = 0; i < kBindings; ++i) {
      bi[i] = {bufs[std::min(i, 2u)]->handle(), 0, VK_WHOLE_SIZE};
      w[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w[i].dstSet = set;
      w[i].dstBinding = i;
      w[i].descriptorCount = 1;
      w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w[i].pBufferInfo = &bi[i];
    }
    vkUpdateDescriptorSets(dev, kBindings, w, 0, nullptr);

    VkCommandPoolCreateInfo ci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    ci.queueFamilyIndex = ctx_->queue_family();
    check(vkCreateCommandPool(dev, &ci, nullptr, &cmd_pool_), "creating a command pool");
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(vkCreateFence(dev, &fi, nullptr, &fence_), "creating a fence");
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = cmd_pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(dev, &ai, &cmd_), "allocating a command buffer");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    check(vkBeginCommandBuffer(cmd_, &begin), "beginning the command buffer");
    PushParams p;
    p.dims[0] = m, p.dims[1] = n, p.dims[2] = k;
    vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->handle());
    vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->layout(), 0, 1, &set,
                            0, nullptr);
    vkCmdPushConstants(cmd_, pipeline_->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(p), &p);
    vkCmdDispatch(cmd_, gx, gy, 1);
    VkMemoryBarrier host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    host.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                         1, &host, 0, nullptr, 0, nullptr);
    check(vkEndCommandBuffer(cmd_), "ending the command buffer");
  } catch (...) {
    release();
    throw;
  }
}

Sgemm::~Sgemm() {
  release();
}

void Sgemm::release() {
  VkDevice dev = ctx_->device();
  if (fence_) vkDestroyFence(dev, fence_, nullptr);
  if (cmd_pool_) vkDestroyCommandPool(dev, cmd_pool_, nullptr);
  if (pool_) vkDestroyDescriptorPool(dev, pool_, nullptr);
  fence_ = VK_NULL_HANDLE, cmd_pool_ = VK_NULL_HANDLE, pool_ = VK_NULL_HANDLE;
}

void Sgemm::run() {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(vkResetFences(ctx_->device(), 1, &fence_), "resetting a fence");
  ctx_->submit(1, &si, fence_, "submitting sgemm");
  check(vkWaitForFences(ctx_->device(), 1, &fence_, VK_TRUE, UINT64_MAX), "running sgemm");
}

}  // namespace segrt::vk
