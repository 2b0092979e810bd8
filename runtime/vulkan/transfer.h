// Host <-> device copies for buffers the host cannot map: one host-visible staging buffer,
// reused and grown to the largest transfer (up to a cap; larger ones go in pieces), and one
// command buffer recorded per copy and waited on with a fence. Thread-safe (one copy at a time).
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <functional>
#include <mutex>

#include "runtime/vulkan/buffer.h"

namespace segrt::vk {

class Transfer {
 public:
  explicit Transfer(Context& ctx);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void upload(VkBuffer dst, size_t offset, const void* src, size_t bytes);
  void download(VkBuffer src, size_t offset, void* dst, size_t bytes);
  void zero(VkBuffer dst, size_t bytes);  // bytes: a multiple of 4
  size_t staging_bytes() const { return staging_bytes_; }
  int copies() const { return copies_; }  // command buffers submitted so far

 private:
  void reserve(size_t bytes);
  void submit(const std::function<void(VkCommandBuffer)>& record);
  Context& ctx_;
  std::mutex mutex_;
  Allocation staging_;
  size_t staging_bytes_ = 0;
  int copies_ = 0;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
};

}  // namespace segrt::vk
