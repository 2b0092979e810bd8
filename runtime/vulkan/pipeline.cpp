#include "runtime/vulkan/pipeline.h"

#include "graph/ir.h"
#include "runtime/vulkan/check.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/shaders.h"

namespace segrt::vk {

Pipeline::Pipeline(VkDevice dev, PipelineCache& cache, const std::string& shader,
                   std::vector<int32_t> spec, bool fp16_storage, int32_t scratch_mask)
    : dev_(dev) {
  const Spirv* code = find_shader(shader.c_str(), fp16_storage);
  if (!code)
    throw Error("vulkan: no embedded shader '" + shader + "'" + (fp16_storage ? " (fp16)" : ""));
  try {
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = code->count * 4;
    mi.pCode = code->words;
    check(vkCreateShaderModule(dev, &mi, nullptr, &module_), "creating shader " + shader);

    VkDescriptorSetLayoutBinding b[kBindings];
    for (uint32_t i = 0; i < kBindings; ++i)
      b[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo si{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    si.bindingCount = kBindings;
    si.pBindings = b;
    check(vkCreateDescriptorSetLayout(dev, &si, nullptr, &set_layout_), "creating a set layout");

    VkPushConstantRange pc{VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(PushParams)};
    VkPipelineLayoutCreateInfo li{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    li.setLayoutCount = 1;
    li.pSetLayouts = &set_layout_;
    li.pushConstantRangeCount = 1;
    li.pPushConstantRanges = &pc;
    check(vkCreatePipelineLayout(dev, &li, nullptr, &layout_), "creating a pipeline layout");

    std::vector<VkSpecializationMapEntry> entries;
    for (uint32_t i = 0; i < spec.size(); ++i) entries.push_back({i, i * 4, 4});
    if (scratch_mask != 0) {
      entries.push_back({kScratchMaskId, static_cast<uint32_t>(spec.size() * 4), 4});
      spec.push_back(scratch_mask);
    }
    VkSpecializationInfo sp{static_cast<uint32_t>(entries.size()), entries.data(), spec.size() * 4,
                            spec.data()};
    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module_;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &sp;
    ci.layout = layout_;
    check(vkCreateComputePipelines(dev, cache.handle(), 1, &ci, nullptr, &pipeline_),
          "creating pipeline " + shader);
    cache.created();
  } catch (...) {
    release();
    throw;
  }
}

Pipeline::~Pipeline() {
  release();
}

void Pipeline::release() {
  VkDevice dev = dev_;
  if (pipeline_) vkDestroyPipeline(dev, pipeline_, nullptr);
  if (layout_) vkDestroyPipelineLayout(dev, layout_, nullptr);
  if (set_layout_) vkDestroyDescriptorSetLayout(dev, set_layout_, nullptr);
  if (module_) vkDestroyShaderModule(dev, module_, nullptr);
  pipeline_ = VK_NULL_HANDLE, layout_ = VK_NULL_HANDLE, set_layout_ = VK_NULL_HANDLE,
  module_ = VK_NULL_HANDLE;
}

}  // namespace segrt::vk
