// GPU timestamps around dispatches: one query pool of two timestamps per timed dispatch, reset
// at the start of the command buffer, read back (and converted with the device's
// timestampPeriod) after the submission's fence.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

// Empty when the context's compute queue can write timestamps; else why it cannot.
std::string timestamps_unsupported(const Context& ctx);

class Timestamps {
 public:
  // Room for `dispatches` timed dispatches. Throws Error when the device cannot time.
  Timestamps(std::shared_ptr<Context> ctx, uint32_t dispatches);
  ~Timestamps();
  Timestamps(const Timestamps&) = delete;
  Timestamps& operator=(const Timestamps&) = delete;

  uint32_t capacity() const { return capacity_; }
  // Recorded once at the start of the command buffer, before any begin/end.
  void reset(VkCommandBuffer cmd) const;
  // Around dispatch i: begin waits for earlier compute work, end for this dispatch's.
  void begin(VkCommandBuffer cmd, uint32_t i) const;
  void end(VkCommandBuffer cmd, uint32_t i) const;
  // Milliseconds of the first `n` dispatches of the last completed submission.
  std::vector<double> read_ms(uint32_t n) const;

 private:
  std::shared_ptr<Context> ctx_;
  uint32_t capacity_;
  VkQueryPool pool_ = VK_NULL_HANDLE;
  double period_ns_ = 1;
  uint64_t mask_ = ~uint64_t(0);  // the queue's timestampValidBits
};

}  // namespace segrt::vk
