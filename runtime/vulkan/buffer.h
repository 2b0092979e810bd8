// A storage buffer in host-visible, host-coherent memory (device-local too where the device
// offers such a type), mapped for its lifetime: writes and reads are plain memcpy.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <memory>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

class Buffer {
 public:
  Buffer(std::shared_ptr<Context> ctx, size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  size_t bytes() const { return bytes_; }
  float* data() const { return static_cast<float*>(mapped_); }

 private:
  std::shared_ptr<Context> ctx_;
  size_t bytes_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  void* mapped_ = nullptr;
};

}  // namespace segrt::vk
