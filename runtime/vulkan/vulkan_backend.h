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
  VulkanBackend();  // throws Error when no Vulkan device can be opened
  std::string name() const override { return "vulkan"; }
  bool supports(const Node& n) const override;
  std::unique_ptr<Program> compile(const Graph& g, const std::vector<int>& outputs) override;
  const DeviceInfo& device() const { return ctx_->info(); }

 private:
  std::shared_ptr<Context> ctx_;
};

// Whether a Vulkan device can be opened here (tried once per process).
bool vulkan_available();
// A Vulkan device that is a GPU (not a CPU implementation such as lavapipe) opens.
bool vulkan_gpu_available();

}  // namespace segrt::vk
