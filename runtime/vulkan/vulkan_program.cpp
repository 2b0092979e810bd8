#include "runtime/vulkan/vulkan_program.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "graph/fusion.h"
#include "graph/op_registry.h"
#include "runtime/fp16.h"
#include "runtime/vulkan/check.h"
#include "runtime/vulkan/fused_lowering.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/quirks.h"

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

// The op registry's estimate for one run of node `n` (one per output element by default).
double node_flops(const Graph& g, const Node& n) {
  std::vector<Shape> in, out;
  for (int v : n.inputs) in.push_back(g.value(v).shape);
  for (int v : n.outputs) out.push_back(g.value(v).shape);
  const OpDef& def = OpRegistry::get().at(n.op);
  return def.flops ? def.flops(in, out, n.attrs) : double(out.empty() ? 0 : numel(out[0]));
}

// Work per command buffer: a few GFLOP stays far below a second even on small GPUs.
double submit_budget() {
  const char* e = std::getenv("SEGRT_VULKAN_SUBMIT_FLOPS");
  if (!e || !*e) return 2e9;
  char* end = nullptr;
  const double v = std::strtod(e, &end);
  if (*end != '\0' || !(v > 0))
    throw Error("vulkan: SEGRT_VULKAN_SUBMIT_FLOPS must be a positive number, got '" +
                std::string(e) + "'");
  return v;
}

}  // namespace

VulkanProgram::VulkanProgram(std::shared_ptr<Context> ctx, const Graph& g,
                             const std::vector<int>& outputs, Precision precision)
    : ctx_(std::move(ctx)),
      precision_(precision),
      esize_(precision == Precision::Fp16 ? 2 : 4),
      g_(g) {
  const bool fp16 = precision_ == Precision::Fp16;
  // Descriptor offsets must honour the device's storage-buffer offset alignment (in elements of
  // the narrower type, so it holds for the fp32 scratch buffer too).
  const int64_t align = std::max<int64_t>(
      16, static_cast<int64_t>(ctx_->info().min_storage_offset_alignment / esize_));
  schedule_ = g_.schedule(outputs);
  // Conv epilogue groups run as one dispatch each; their intermediates get no memory.
  std::vector<ConvEpilogue> groups;
  if (features_from_env(ctx_->info()).fusion) groups = find_conv_epilogues(g_, schedule_, outputs);
  fused_groups_ = groups.size();
  const std::vector<std::vector<int>> steps = fused_steps(schedule_, groups);
  std::map<int, const ConvEpilogue*> group_of;
  for (const ConvEpilogue& e : groups) group_of[e.conv] = &e;
  plan_ = plan_memory_steps(g_, steps, outputs, align);
  persistent_offset_.assign(g_.values().size(), -1);
  for (auto& v : g_.values())
    if (v.kind != ValueKind::Activation) {
      persistent_offset_[v.id] = static_cast<int64_t>(persistent_elems_);
      persistent_elems_ += (static_cast<size_t>(numel(v.shape)) + align - 1) / align * align;
    }
  // One aligned block of spare elements after each buffer's last value: tests fill the spare
  // space with guard values to catch out-of-bounds writes.
  arena_ = std::make_unique<Buffer>(ctx_, static_cast<size_t>(plan_.arena_elems + align) * esize_);
  persistent_ = std::make_unique<Buffer>(ctx_, (persistent_elems_ + align) * esize_);
  persistent_->zero();

  // Scratch regions are per node and nodes run in order, so one buffer of the largest need
  // serves all (the hazard tracking orders reuse).
  int64_t scratch_elems = 0;
  std::vector<PipelineKey> keys;  // one per step, created together below
  for (const std::vector<int>& step : steps) {
    const int n = step.front();
    const Node& node = g_.node(n);
    Lowered l = step.size() > 1 ? lower_conv_epilogue(g_, *group_of.at(n)) : lower(g_, node);
    std::vector<int64_t> offs;
    int64_t total = 0;
    for (int64_t e : l.scratch) {
      offs.push_back(total);
      total += (std::max<int64_t>(1, e) + align - 1) / align * align;
    }
    scratch_elems = std::max(scratch_elems, total);
    double flops = 0;
    for (int m : step) flops += node_flops(g_, g_.node(m));
    for (Dispatch& d : l.dispatches) {
      Step s{std::move(d), nullptr, flops, offs, l.scratch};
      // Bit k: binding k is a scratch region (fp32 in the fp16 variants).
      int32_t scratch_mask = 0;
      for (size_t b = 0; b < s.d.bind.size(); ++b)
        if (s.d.bind[b] < 0) scratch_mask |= 1 << b;
      keys.push_back({s.d.shader, s.d.spec, fp16, scratch_mask});
      s.node = n;
      steps_.push_back(std::move(s));
      flops = 0;
    }
  }
  const auto t_pipelines = std::chrono::steady_clock::now();
  const std::vector<const Pipeline*> pipelines = ctx_->pipelines(keys);
  pipeline_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_pipelines)
          .count();
  for (size_t i = 0; i < steps_.size(); ++i) steps_[i].pipeline = pipelines[i];
  ctx_->save_pipeline_cache();
  scratch_ = std::make_unique<Buffer>(ctx_, static_cast<size_t>(scratch_elems + align) * 4);
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

std::pair<const Buffer*, std::pair<int64_t, int64_t>> VulkanProgram::binding_range(const Step& s,
                                                                                   int b) const {
  const int v = s.d.bind.at(static_cast<size_t>(b));
  if (v < 0) {
    const size_t k = static_cast<size_t>(-2 - v);
    const int64_t off = s.scratch_offset.at(k);
    return {scratch_.get(), {off, off + std::max<int64_t>(1, s.scratch_elems.at(k))}};
  }
  auto [buf, off] = location(v);
  return {buf, {off, off + std::max<int64_t>(1, numel(g_.value(v).shape))}};
}

void VulkanProgram::record() {
  VkDevice dev = ctx_->device();
  timed_.clear();
  VkMemoryBarrier cc{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  cc.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT;
  cc.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  // Ranges read and written since the last barrier: a dispatch that touches them waits.
  std::vector<Range> reads, writes;
  // Each command buffer starts with a barrier: it orders this run after the previous run and,
  // within a run, after the earlier command buffers (barriers reach back in submission order).
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;  // the one being recorded
  const double budget = submit_budget();
  double work = 0;
  auto begin = [&] {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = cmd_pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(dev, &ai, &cmd_), "allocating a command buffer");
    cmds_.push_back(cmd_);
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    check(vkBeginCommandBuffer(cmd_, &bi), "beginning a command buffer");
    if (timer_ && cmds_.size() == 1) timer_->reset(cmd_);  // before any timestamp
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &cc, 0, nullptr, 0, nullptr);
    reads.clear(), writes.clear();
    work = 0;
  };
  begin();
  const uint32_t max_x = std::max<uint32_t>(1, ctx_->info().max_workgroup_count[0]);
  for (Step& s : steps_) {
    if (s.d.p.n == 0 && s.d.groups[0] == 0) continue;
    if (work > 0 && work + s.flops > budget) {
      check(vkEndCommandBuffer(cmd_), "ending a command buffer");
      begin();
    }
    work += s.flops;
    VkDescriptorSetLayout layout = s.pipeline->set_layout();
    VkDescriptorSetAllocateInfo di{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    di.descriptorPool = pool_;
    di.descriptorSetCount = 1;
    di.pSetLayouts = &layout;
    check(vkAllocateDescriptorSets(dev, &di, &s.set), "allocating a descriptor set");
    // Bindings past the dispatch's alias its first (never touched by the shader).
    VkDescriptorBufferInfo info[kBindings];
    VkWriteDescriptorSet w[kBindings];
    std::vector<Range> r, wr;
    for (uint32_t i = 0; i < kBindings; ++i) {
      const int b = i < s.d.bind.size() ? static_cast<int>(i) : 0;
      auto [buf, lohi] = binding_range(s, b);
      const VkDeviceSize es = elem_bytes(buf);
      info[i] = {buf->handle(), static_cast<VkDeviceSize>(lohi.first) * es,
                 static_cast<VkDeviceSize>(lohi.second - lohi.first) * es};
      w[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w[i].dstSet = s.set;
      w[i].dstBinding = i;
      w[i].descriptorCount = 1;
      w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w[i].pBufferInfo = &info[i];
      if (i < s.d.bind.size()) {
        const Range rg{buf->handle(), lohi.first, lohi.second};
        const bool written =
            std::find(s.d.writes.begin(), s.d.writes.end(), int(i)) != s.d.writes.end();
        (written ? wr : r).push_back(rg);
      }
    }
    vkUpdateDescriptorSets(dev, kBindings, w, 0, nullptr);

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
    uint32_t gx = s.d.groups[0], gy = s.d.groups[1], gz = s.d.groups[2];
    if (gx == 0) {
      const uint32_t total = (static_cast<uint32_t>(s.d.p.n) + kWorkgroup - 1) / kWorkgroup;
      gx = std::min(total, max_x);
      gy = (total + gx - 1) / gx;
      gz = 1;
    }
    if (timer_) timer_->begin(cmd_, static_cast<uint32_t>(timed_.size()));
    vkCmdDispatch(cmd_, gx, std::max(1u, gy), std::max(1u, gz));
    if (timer_) {
      timer_->end(cmd_, static_cast<uint32_t>(timed_.size()));
      timed_.push_back(static_cast<size_t>(&s - steps_.data()));
    }
  }
  // Shader writes must be visible to the host's reads (mapped memory) or to the staging copies
  // after the fence.
  VkMemoryBarrier ch{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  ch.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  ch.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &ch, 0,
                       nullptr, 0, nullptr);
  check(vkEndCommandBuffer(cmd_), "ending a command buffer");
}

void VulkanProgram::write(int value, const float* src) {
  auto [buf, off] = location(value);
  const size_t n = static_cast<size_t>(numel(g_.value(value).shape));
  if (esize_ == 4) return buf->write(static_cast<size_t>(off) * 4, src, n * 4);
  std::vector<uint16_t> h(n);
  floats_to_halves(src, h.data(), n);
  buf->write(static_cast<size_t>(off) * 2, h.data(), n * 2);
}

void VulkanProgram::read(int value, float* dst) const {
  auto [buf, off] = location(value);
  const size_t n = static_cast<size_t>(numel(g_.value(value).shape));
  if (esize_ == 4) return buf->read(static_cast<size_t>(off) * 4, dst, n * 4);
  std::vector<uint16_t> h(n);
  buf->read(static_cast<size_t>(off) * 2, h.data(), n * 2);
  halves_to_floats(h.data(), dst, n);
}

void VulkanProgram::run() {
  // One batch per command buffer in one submit, the fence on the whole.
  std::vector<VkSubmitInfo> si(cmds_.size(), VkSubmitInfo{VK_STRUCTURE_TYPE_SUBMIT_INFO});
  for (size_t i = 0; i < cmds_.size(); ++i) {
    si[i].commandBufferCount = 1;
    si[i].pCommandBuffers = &cmds_[i];
  }
  check(vkResetFences(ctx_->device(), 1, &fence_), "resetting a fence");
  ctx_->submit(static_cast<uint32_t>(si.size()), si.data(), fence_, "submitting the program");
  check(vkWaitForFences(ctx_->device(), 1, &fence_, VK_TRUE, UINT64_MAX), "running the program");
  timed_run_ = timer_ != nullptr;
}

size_t VulkanProgram::device_bytes() const {
  return arena_->bytes() + persistent_->bytes() + scratch_->bytes();
}

void VulkanProgram::set_profiling(bool on) {
  if (on == (timer_ != nullptr)) return;
  // The timer first: a device that cannot time throws and leaves the program as it was.
  std::unique_ptr<Timestamps> t;
  if (on) t = std::make_unique<Timestamps>(ctx_, static_cast<uint32_t>(steps_.size()));
  VkDevice dev = ctx_->device();
  if (!cmds_.empty())
    vkFreeCommandBuffers(dev, cmd_pool_, static_cast<uint32_t>(cmds_.size()), cmds_.data());
  cmds_.clear();
  if (pool_) check(vkResetDescriptorPool(dev, pool_, 0), "resetting the descriptor pool");
  timer_ = std::move(t);
  timed_run_ = false;
  record();
}

std::vector<Program::KernelTime> VulkanProgram::kernel_times() const {
  if (!timer_ || !timed_run_) return {};
  const std::vector<double> ms = timer_->read_ms(static_cast<uint32_t>(timed_.size()));
  std::vector<KernelTime> r;
  for (size_t i = 0; i < timed_.size(); ++i) {
    const Step& s = steps_[timed_[i]];
    const Node& n = g_.node(s.node);
    r.push_back({node_label(n), n.op, s.d.shader, ms[i]});
  }
  return r;
}

}  // namespace segrt::vk
