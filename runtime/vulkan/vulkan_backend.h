// The Vulkan backend: each supported node becomes one compute dispatch over one arena buffer
// (from the memory plan) and one buffer of persistent values; the dispatches are recorded once
// into one command buffer and replayed by run().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/vulkan/context.h"

namespace segrt::vk {

class VulkanBackend : public Backend {
 public:
  // Throws Error when no Vulkan device can be opened, or for Precision::Fp16 when the device
  // lacks fp16 storage (storageBuffer16BitAccess) or it is turned off (quirk table,
  // SEGRT_VULKAN_DISABLE=fp16-storage).
  explicit VulkanBackend(Precision precision = Precision::Fp32);
  std::string name() const override { return "vulkan"; }
  bool supports(const Node& n) const override;
  std::unique_ptr<Program> compile(const Graph& g, const std::vector<int>& outputs) override;
  const DeviceInfo& device() const { return ctx_->info(); }
  Precision precision() const { return precision_; }

 private:
  std::shared_ptr<Context> ctx_;
  Precision precision_;
};

// Whether a Vulkan device can be opened here (tried once per process).
bool vulkan_available();
// A Vulkan device that is a GPU (not a CPU implementation such as lavapipe) opens.
bool vulkan_gpu_available();

}  // namespace segrt::vk
