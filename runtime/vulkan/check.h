// VkResult -> segrt::Error: a failed Vulkan call (device lost, out of memory) is reported, not
// a crash.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

namespace segrt::vk {

const char* result_name(VkResult r);
// Throws segrt::Error("vulkan: <what> failed: <result>") unless r is VK_SUCCESS.
void check(VkResult r, const std::string& what);

}  // namespace segrt::vk
