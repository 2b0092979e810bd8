// Storage buffers. Program data lives in device-local memory; where the device also makes that
// memory host-visible in a large heap (CPU devices, integrated GPUs, resizable BAR) it is
// mapped and written/read with memcpy, otherwise write()/read() go through the context's
// staging transfers (runtime/vulkan/transfer.h). SEGRT_VULKAN_FORCE_STAGING=1 (or
// SEGRT_VULKAN_DISABLE=mapped-device-memory) takes the staging path everywhere.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <memory>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

enum class Placement {
  Device,   // program buffers: device-local, mapped only where that is cheap
  Staging,  // host-visible, coherent, always mapped: the source/target of copies
};

struct Allocation {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  void* mapped = nullptr;  // nullptr: not host-visible (copies only)
};
// A buffer of `bytes` with its memory bound; Error naming the size and the device when the
// device has no memory for it.
Allocation allocate(const Context& ctx, size_t bytes, Placement where);
void free_allocation(VkDevice dev, Allocation& a);

class Buffer {
 public:
  Buffer(std::shared_ptr<Context> ctx, size_t bytes, Placement where = Placement::Device);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return a_.buffer; }
  size_t bytes() const { return bytes_; }
  // The mapped memory; nullptr when the buffer is reached by copies only.
  float* data() const { return static_cast<float*>(a_.mapped); }
  bool mapped() const { return a_.mapped != nullptr; }
  // Host <-> buffer copies at a byte offset (memcpy or a staging copy).
  void write(size_t offset, const void* src, size_t bytes) const;
  void read(size_t offset, void* dst, size_t bytes) const;
  void zero() const;

 private:
  std::shared_ptr<Context> ctx_;
  size_t bytes_;
  Allocation a_;
};

}  // namespace segrt::vk
