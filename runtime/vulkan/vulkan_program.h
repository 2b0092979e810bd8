// A compiled graph on Vulkan: buffers, pipelines, descriptor sets and the recorded command
// buffer.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "runtime/backend.h"
#include "runtime/memory_plan.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/timestamps.h"

namespace segrt::vk {

class VulkanProgram : public Program {
 public:
  // Precision::Fp16: every value is stored as IEEE half on the device (write/read convert on
  // the host, rounding to nearest even) and the shaders' fp16-storage variants run; scratch
  // regions (partial sums) stay fp32.
  VulkanProgram(std::shared_ptr<Context> ctx, const Graph& g, const std::vector<int>& outputs,
                Precision precision = Precision::Fp32);
  ~VulkanProgram() override;
  void write(int value, const float* src) override;
  void read(int value, float* dst) const override;
  void run() override;
  const Graph& graph() const override { return g_; }
  size_t arena_bytes() const override { return static_cast<size_t>(plan_.arena_elems) * esize_; }
  size_t persistent_bytes() const override { return persistent_elems_ * esize_; }
  Precision precision() const { return precision_; }
  size_t device_bytes() const override;
  double pipeline_ms() const override { return pipeline_ms_; }
  // Timestamps around every dispatch; toggling re-records the command buffer.
  void set_profiling(bool on) override;
  std::vector<KernelTime> kernel_times() const override;
  using Program::read;
  using Program::write;

  // Where a value (or scratch(k) of the step being recorded) lives: its buffer and offset in
  // elements (tests check guard regions).
  std::pair<const Buffer*, int64_t> location(int value) const;
  // Conv epilogue groups (graph/fusion.h) computed as one dispatch each.
  size_t fused_groups() const { return fused_groups_; }
  // Command buffers one run() submits: the dispatches split so that each holds at most
  // SEGRT_VULKAN_SUBMIT_FLOPS (default 2e9) of estimated work, keeping every command buffer
  // short of a GPU watchdog.
  size_t command_buffers() const { return cmds_.size(); }

 private:
  void record();
  void release();
  std::shared_ptr<Context> ctx_;
  Precision precision_;
  size_t esize_;  // bytes per element of values: 4, or 2 in fp16 storage (scratch: always 4)
  Graph g_;
  std::vector<int> schedule_;
  MemoryPlan plan_;
  size_t fused_groups_ = 0;
  double pipeline_ms_ = 0;
  std::vector<int64_t> persistent_offset_;  // per value id; -1 for activations
  size_t persistent_elems_ = 0;
  std::unique_ptr<Buffer> arena_, persistent_, scratch_;
  struct Step {
    Dispatch d;
    const Pipeline* pipeline;  // owned by the context
    double flops = 0;          // estimated work (the node's, on its first dispatch)
    std::vector<int64_t> scratch_offset, scratch_elems;  // of the node's scratch regions
    VkDescriptorSet set = VK_NULL_HANDLE;
    int node = -1;
  };
  // Bytes per element of `buf` (the scratch buffer stays fp32).
  size_t elem_bytes(const Buffer* buf) const { return buf == scratch_.get() ? 4 : esize_; }
  // Buffer range (elements) of binding `b` of step `s`.
  std::pair<const Buffer*, std::pair<int64_t, int64_t>> binding_range(const Step& s, int b) const;
  std::vector<Step> steps_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkCommandPool cmd_pool_ = VK_NULL_HANDLE;
  std::vector<VkCommandBuffer> cmds_;
  VkFence fence_ = VK_NULL_HANDLE;
  // Profiling: the timer, the step of each timed dispatch, whether a timed run completed.
  std::unique_ptr<Timestamps> timer_;
  std::vector<size_t> timed_;
  bool timed_run_ = false;
};

}  // namespace segrt::vk
