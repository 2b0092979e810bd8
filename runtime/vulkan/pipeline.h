// A compute pipeline from one embedded shader and its specialisation constants. Every segrt
// shader has the same interface (shaders/common.glsl): up to kBindings storage buffers and one
// push-constant block, so one descriptor-set layout and pipeline layout serve all.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

constexpr uint32_t kBindings = 8;
constexpr uint32_t kWorkgroup = 64;      // local_size_x in common.glsl
constexpr uint32_t kScratchMaskId = 31;  // constant_id of SEGRT_SCRATCH in common.glsl

// Mirrors `Params` in shaders/common.glsl.
struct PushParams {
  int32_t n = 0, rank = 0, red = 0;
  float alpha = 0;
  int32_t dims[6] = {}, sa[6] = {}, sb[6] = {}, rdims[6] = {};
  int32_t ex[4] = {};  // more shape words for shaders that need them
};
// 128 bytes: the push-constant size every Vulkan device guarantees.
static_assert(sizeof(PushParams) == 128);

class PipelineCache;

// Owned by the Context's pipeline table (Context::pipeline), which outlives every program.
class Pipeline {
 public:
  // fp16_storage: the shader's fp16-storage variant; scratch_mask its SEGRT_SCRATCH constant.
  Pipeline(VkDevice dev, PipelineCache& cache, const std::string& shader, std::vector<int32_t> spec,
           bool fp16_storage = false, int32_t scratch_mask = 0);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  void release();
  VkDevice dev_;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace segrt::vk
