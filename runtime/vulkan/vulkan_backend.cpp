#include "runtime/vulkan/vulkan_backend.h"

#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/vulkan_program.h"

namespace segrt::vk {

VulkanBackend::VulkanBackend() : ctx_(Context::get()) {}

bool VulkanBackend::supports(const Node& n) const {
  return has_shader(n.op);
}

std::unique_ptr<Program> VulkanBackend::compile(const Graph& g, const std::vector<int>& outputs) {
  check_supported(*this, g, g.schedule(outputs));
  return std::make_unique<VulkanProgram>(ctx_, g, outputs);
}

bool vulkan_available() {
  static const bool ok = [] {
    try {
      return Context::get() != nullptr;
    } catch (const Error&) {
      return false;
    }
  }();
  return ok;
}

bool vulkan_gpu_available() {
  return vulkan_available() && Context::get()->info().type != "cpu";
}

}  // namespace segrt::vk
