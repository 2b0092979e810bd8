#include "runtime/vulkan/check.h"

#include "graph/ir.h"

namespace segrt::vk {

const char* result_name(VkResult r) {
  switch (r) {
    case VK_SUCCESS:
      return "success";
    case VK_TIMEOUT:
      return "timeout";
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      return "out of host memory";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return "out of device memory";
    case VK_ERROR_INITIALIZATION_FAILED:
      return "initialization failed";
    case VK_ERROR_DEVICE_LOST:
      return "device lost";
    case VK_ERROR_MEMORY_MAP_FAILED:
      return "memory map failed";
    case VK_ERROR_LAYER_NOT_PRESENT:
      return "layer not present";
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      return "extension not present";
    case VK_ERROR_FEATURE_NOT_PRESENT:
      return "feature not present";
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      return "incompatible driver (no Vulkan driver installed?)";
    case VK_ERROR_TOO_MANY_OBJECTS:
      return "too many objects";
    case VK_ERROR_OUT_OF_POOL_MEMORY:
      return "out of pool memory";
    default:
      return "error";
  }
}

void check(VkResult r, const std::string& what) {
  if (r == VK_SUCCESS) return;
  throw Error("vulkan: " + what + " failed: " + result_name(r) + " (VkResult " +
              std::to_string(static_cast<int>(r)) + ")");
}

}  // namespace segrt::vk
