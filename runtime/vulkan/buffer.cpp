#include "runtime/vulkan/buffer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "graph/ir.h"
#include "runtime/vulkan/check.h"
#include "runtime/vulkan/quirks.h"
#include "runtime/vulkan/transfer.h"

namespace segrt::vk {
namespace {

std::string human(uint64_t b) {
  char s[64];
  if (b >= (1ull << 30))
    std::snprintf(s, sizeof s, "%.2f GiB", double(b) / double(1ull << 30));
  else
    std::snprintf(s, sizeof s, "%.1f MiB", double(b) / double(1ull << 20));
  return s;
}

std::string no_memory(const Context& ctx, uint64_t bytes, const std::string& why) {
  return "vulkan: cannot allocate " + std::to_string(bytes) + " bytes (" + human(bytes) + ") on " +
         ctx.info().name + ": " + why;
}

// Read at each allocation (not once per context) so a test can compare both paths.
bool forced_staging() {
  const char* e = std::getenv("SEGRT_VULKAN_FORCE_STAGING");
  return e && *e && std::strcmp(e, "0") != 0;
}

// Memory type for `where`, and whether to map it.
std::pair<int, bool> choose_type(const Context& ctx, uint32_t bits, Placement where) {
  const VkMemoryPropertyFlags host =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  if (where == Placement::Staging) {
    int t = ctx.memory_type(bits, host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (t < 0) t = ctx.memory_type(bits, host);
    return {t, true};
  }
  // Host-visible device-local memory is used directly only in a heap as large as the largest
  // device-local one: a 256 MiB BAR window on a discrete GPU without resizable BAR is not.
  const auto& mem = ctx.memory();
  const bool direct = ctx.features().mapped_device_memory && !forced_staging();
  if (direct) {
    const int t = ctx.memory_type(bits, host | local);
    if (t >= 0) {
      const uint64_t heap = mem.memoryHeaps[mem.memoryTypes[t].heapIndex].size;
      if (heap * 2 >= ctx.info().device_local_bytes) return {t, true};
    }
  }
  const int t = ctx.memory_type(bits, local);
  if (t >= 0) return {t, false};
  return {ctx.memory_type(bits, host), true};
}

}  // namespace

Allocation allocate(const Context& ctx, size_t bytes, Placement where) {
  VkDevice dev = ctx.device();
  const uint64_t size = bytes > 0 ? bytes : 4;
  // Refused here rather than by the driver: some crash or stall on absurd sizes.
  if (ctx.info().max_allocation_bytes && size > ctx.info().max_allocation_bytes)
    throw Error(no_memory(
        ctx, size,
        "larger than its largest allocation (" + human(ctx.info().max_allocation_bytes) + ")"));
  Allocation a;
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(dev, &bi, nullptr, &a.buffer), "creating a buffer");
  try {
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, a.buffer, &req);
    auto [type, map] = choose_type(ctx, req.memoryTypeBits, where);
    if (type < 0) throw Error(no_memory(ctx, req.size, "no suitable memory type"));
    const auto& mem = ctx.memory();
    const uint64_t heap = mem.memoryHeaps[mem.memoryTypes[type].heapIndex].size;
    if (req.size > heap)
      throw Error(no_memory(ctx, req.size, "larger than its memory heap (" + human(heap) + ")"));
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = static_cast<uint32_t>(type);
    const VkResult r = vkAllocateMemory(dev, &ai, nullptr, &a.memory);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw Error(no_memory(ctx, req.size, result_name(r)));
    check(r, "allocating " + std::to_string(req.size) + " bytes on " + ctx.info().name);
    check(vkBindBufferMemory(dev, a.buffer, a.memory, 0), "binding buffer memory");
    if (map)
      check(vkMapMemory(dev, a.memory, 0, VK_WHOLE_SIZE, 0, &a.mapped), "mapping buffer memory");
  } catch (...) {
    free_allocation(dev, a);
    throw;
  }
  return a;
}

void free_allocation(VkDevice dev, Allocation& a) {
  if (a.mapped) vkUnmapMemory(dev, a.memory);
  if (a.memory) vkFreeMemory(dev, a.memory, nullptr);
  if (a.buffer) vkDestroyBuffer(dev, a.buffer, nullptr);
  a = Allocation{};
}

Buffer::Buffer(std::shared_ptr<Context> ctx, size_t bytes, Placement where)
    : ctx_(std::move(ctx)), bytes_(bytes), a_(allocate(*ctx_, bytes, where)) {}

Buffer::~Buffer() {
  free_allocation(ctx_->device(), a_);
}

void Buffer::write(size_t offset, const void* src, size_t bytes) const {
  if (offset + bytes > bytes_) throw Error("vulkan: buffer write past the end");
  if (bytes == 0) return;
  if (a_.mapped)
    std::memcpy(static_cast<char*>(a_.mapped) + offset, src, bytes);
  else
    ctx_->transfer().upload(a_.buffer, offset, src, bytes);
}

void Buffer::read(size_t offset, void* dst, size_t bytes) const {
  if (offset + bytes > bytes_) throw Error("vulkan: buffer read past the end");
  if (bytes == 0) return;
  if (a_.mapped)
    std::memcpy(dst, static_cast<const char*>(a_.mapped) + offset, bytes);
  else
    ctx_->transfer().download(a_.buffer, offset, dst, bytes);
}

void Buffer::zero() const {
  if (a_.mapped)
    std::memset(a_.mapped, 0, bytes_);
  else
    ctx_->transfer().zero(a_.buffer, bytes_ / 4 * 4);
}

}  // namespace segrt::vk
