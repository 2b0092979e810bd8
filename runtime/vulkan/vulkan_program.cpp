#include "runtime/vulkan/vulkan_program.h"

#include <algorithm>
#include <cstring>

#include "runtime/vulkan/check.h"

namespace segrt::vk {
namespace {

struct Range {
  VkBuffer buf;
  int64_t lo, hi;  // elements
  bool overlaps(const Range& o) const { return buf == o.buf && lo < o.hi && o.lo < hi; }
};

bool any_overlap(const std::vector<Range>& a, const std::vector<Range>& b) {
  for (auto& x : a)
    for (auto& y : b)
      if (x.overlaps(y)) return true;
  return false;
}

}  // namespace

VulkanProgram::VulkanProgram(std::shared_ptr<Context> ctx, const Graph& g,
                             const std::vector<int>& outputs)
    : ctx_(std::move(ctx)), g_(g) {
  // Descriptor offsets must honour the device's storage-buffer offset alignment.
  const int64_t align = std::max<int64_t>(16, ctx_->info().min_storage_offset_alignment / 4);
  schedule_ = g_.schedule(outputs);
  plan_ = plan_memory(g_, schedule_, outputs, align);
  persistent_offset_.assign(g_.values().size(), -1);
  for (auto& v : g_.values())
    if (v.kind != ValueKind::Activation) {
      persistent_offset_[v.id] = static_cast<int64_t>(persistent_elems_);
      persistent_elems_ += (static_cast<size_t>(numel(v.shape)) + align - 1) / align * align;
    }
  // One aligned block of spare elements after each buffer's last value: tests fill the spare
  // space with guard values to catch out-of-bounds writes.
  arena_ = std::make_unique<Buffer>(ctx_, static_cast<size_t>(plan_.arena_elems + align) * 4);
  persistent_ = std::make_unique<Buffer>(ctx_, (persistent_elems_ + align) * 4);
  std::memset(persistent_->data(), 0, persistent_->bytes());

  for (int n : schedule_) {
    const Node& node = g_.node(n);
    for (Dispatch& d : lower(g_, node)) {
      Step s{std::move(d), nullptr, node.outputs.at(0)};
      auto& p = pipelines_[{s.d.shader, s.d.spec}];
      if (!p) p = std::make_unique<Pipeline>(ctx_, s.d.shader, s.d.spec);
      s.pipeline = p.get();
      steps_.push_back(std::move(s));
    }
  }
  VkDevice dev = ctx_->device();
  try {
    if (!steps_.empty()) {
      VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                              static_cast<uint32_t>(steps_.size() * kBindings)};
      VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
      pi.maxSets = static_cast<uint32_t>(steps_.size());
      pi.poolSizeCount = 1;
      pi.pPoolSizes = &ps;
      check(vkCreateDescriptorPool(dev, &pi, nullptr, &pool_), "creating a descriptor pool");
    }
    VkCommandPoolCreateInfo ci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    ci.queueFamilyIndex = ctx_->queue_family();
    check(vkCreateCommandPool(dev, &ci, nullptr, &cmd_pool_), "creating a command pool");
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(vkCreateFence(dev, &fi, nullptr, &fence_), "creating a fence");
    record();
  } catch (...) {
    release();
    throw;
  }
}

VulkanProgram::~VulkanProgram() {
  release();
}

void VulkanProgram::release() {
  VkDevice dev = ctx_->device();
  if (fence_) vkDestroyFence(dev, fence_, nullptr);
  if (cmd_pool_) vkDestroyCommandPool(dev, cmd_pool_, nullptr);
  if (pool_) vkDestroyDescriptorPool(dev, pool_, nullptr);
  fence_ = VK_NULL_HANDLE, cmd_pool_ = VK_NULL_HANDLE, pool_ = VK_NULL_HANDLE;
}

std::pair<const Buffer*, int64_t> VulkanProgram::location(int value) const {
  const Value& v = g_.value(value);
  if (v.kind != ValueKind::Activation) return {persistent_.get(), persistent_offset_[value]};
  if (plan_.offset[value] < 0)
    throw Error("vulkan program: value " + std::to_string(value) +
                " is not computed by this program");
  return {arena_.get(), plan_.offset[value]};
}

void VulkanProgram::record() {
  VkDevice dev = ctx_->device();
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = cmd_pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(dev, &ai, &cmd_), "allocating a command buffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cmd_, &bi), "beginning the command buffer");

  VkMemoryBarrier cc{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  cc.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT;
  cc.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  // Ranges read and written since the last barrier: a dispatch that touches them waits.
  std::vector<Range> reads, writes;
  auto range = [&](int v) {
    auto [buf, off] = location(v);
    return Range{buf->handle(), off, off + numel(g_.value(v).shape)};
  };
  for (Step& s : steps_) {
    if (s.d.p.n == 0) continue;
    VkDescriptorSetLayout layout = s.pipeline->set_layout();
    VkDescriptorSetAllocateInfo di{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    di.descriptorPool = pool_;
    di.descriptorSetCount = 1;
    di.pSetLayouts = &layout;
    check(vkAllocateDescriptorSets(dev, &di, &s.set), "allocating a descriptor set");
    // Bindings a, b, out; absent inputs alias the output (never read by the shader).
    int vals[kBindings] = {s.out, s.out, s.out};
    for (size_t i = 0; i < s.d.args.size() && i < 2; ++i) vals[i] = s.d.args[i];
    VkDescriptorBufferInfo info[kBindings];
    VkWriteDescriptorSet w[kBindings];
    for (uint32_t i = 0; i < kBindings; ++i) {
      auto [buf, off] = location(vals[i]);
      const int64_t n = std::max<int64_t>(1, numel(g_.value(vals[i]).shape));
      info[i] = {buf->handle(), static_cast<VkDeviceSize>(off) * 4,
                 static_cast<VkDeviceSize>(n) * 4};
      w[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w[i].dstSet = s.set;
      w[i].dstBinding = i;
      w[i].descriptorCount = 1;
      w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w[i].pBufferInfo = &info[i];
    }
    vkUpdateDescriptorSets(dev, kBindings, w, 0, nullptr);

    std::vector<Range> r, wr = {range(s.out)};
    for (int v : s.d.args) r.push_back(range(v));
    if (any_overlap(r, writes) || any_overlap(wr, writes) || any_overlap(wr, reads)) {
      vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &cc, 0, nullptr, 0, nullptr);
      reads.clear(), writes.clear();
    }
    reads.insert(reads.end(), r.begin(), r.end());
    writes.insert(writes.end(), wr.begin(), wr.end());

    vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, s.pipeline->handle());
    vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, s.pipeline->layout(), 0, 1,
                            &s.set, 0, nullptr);
    vkCmdPushConstants(cmd_, s.pipeline->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       sizeof(PushParams), &s.d.p);
    vkCmdDispatch(cmd_, (static_cast<uint32_t>(s.d.p.n) + kWorkgroup - 1) / kWorkgroup, 1, 1);
  }
  // Shader writes must be visible to the host's reads after the fence.
  VkMemoryBarrier ch{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  ch.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  ch.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                       &ch, 0, nullptr, 0, nullptr);
  check(vkEndCommandBuffer(cmd_), "ending the command buffer");
}

void VulkanProgram::write(int value, const float* src) {
  auto [buf, off] = location(value);
  std::memcpy(buf->data() + off, src, static_cast<size_t>(numel(g_.value(value).shape)) * 4);
}

void VulkanProgram::read(int value, float* dst) const {
  auto [buf, off] = location(value);
  std::memcpy(dst, buf->data() + off, static_cast<size_t>(numel(g_.value(value).shape)) * 4);
}

void VulkanProgram::run() {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(vkResetFences(ctx_->device(), 1, &fence_), "resetting a fence");
  check(vkQueueSubmit(ctx_->queue(), 1, &si, fence_), "submitting the program");
  check(vkWaitForFences(ctx_->device(), 1, &fence_, VK_TRUE, UINT64_MAX), "running the program");
}

}  // namespace segrt::vk
