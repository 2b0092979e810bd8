#include "runtime/vulkan/vulkan_backend.h"

#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/quirks.h"
#include "runtime/vulkan/vulkan_program.h"

namespace segrt::vk {

VulkanBackend::VulkanBackend(Precision precision) : ctx_(Context::get()), precision_(precision) {
  if (precision_ != Precision::Fp16) return;
  // The device must have been opened with 16-bit storage (the features when the context
  // started) and the quirk table and SEGRT_VULKAN_DISABLE must still allow it now.
  const DeviceInfo& d = ctx_->info();
  if (ctx_->features().fp16_storage && features_from_env(d).fp16_storage) return;
  std::string why = "the device lacks storageBuffer16BitAccess";
  if (d.fp16_storage) {
    why = "turned off by SEGRT_VULKAN_DISABLE=fp16-storage";
    for (const Quirk* q : quirks_for(d))
      for (const char* o : q->off)
        if (std::string(o) == "fp16-storage") why = std::string("turned off by quirk ") + q->id;
  }
  throw Error("vulkan: fp16 storage is not available on " + d.name + " (" + why +
              "); use --precision fp32");
}

bool VulkanBackend::supports(const Node& n) const {
  return has_shader(n.op);
}

std::unique_ptr<Program> VulkanBackend::compile(const Graph& g, const std::vector<int>& outputs) {
  check_supported(*this, g, g.schedule(outputs));
  return std::make_unique<VulkanProgram>(ctx_, g, outputs, precision_);
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
