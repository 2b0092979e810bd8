#include "runtime/vulkan/buffer.h"

#include "graph/ir.h"
#include "runtime/vulkan/check.h"

namespace segrt::vk {

Buffer::Buffer(std::shared_ptr<Context> ctx, size_t bytes) : ctx_(std::move(ctx)), bytes_(bytes) {
  VkDevice dev = ctx_->device();
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = bytes_ > 0 ? bytes_ : 4;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(dev, &bi, nullptr, &buffer_), "creating a buffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, buffer_, &req);
  const VkMemoryPropertyFlags host =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type = ctx_->memory_type(req.memoryTypeBits, host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0) type = ctx_->memory_type(req.memoryTypeBits, host);
  if (type < 0) {
    vkDestroyBuffer(dev, buffer_, nullptr);
    throw Error("vulkan: no host-visible coherent memory type for storage buffers on " +
                ctx_->info().name);
  }
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = static_cast<uint32_t>(type);
  try {
    check(vkAllocateMemory(dev, &ai, nullptr, &memory_),
          "allocating " + std::to_string(req.size) + " bytes");
    check(vkBindBufferMemory(dev, buffer_, memory_, 0), "binding buffer memory");
    check(vkMapMemory(dev, memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "mapping buffer memory");
  } catch (...) {
    if (memory_) vkFreeMemory(dev, memory_, nullptr);
    vkDestroyBuffer(dev, buffer_, nullptr);
    throw;
  }
}

Buffer::~Buffer() {
  VkDevice dev = ctx_->device();
  vkUnmapMemory(dev, memory_);
  vkFreeMemory(dev, memory_, nullptr);
  vkDestroyBuffer(dev, buffer_, nullptr);
}

}  // namespace segrt::vk
