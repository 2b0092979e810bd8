// One SGEMM (shaders/sgemm.comp) on its own buffers: what the SGEMM benchmark
// (bench/vulkan/sgemm.cpp) times and its test checks. Row-major C = A * B with A M x K and
// B K x N, in device buffers the caller fills with set_a(), set_b() and reads with c().
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/pipeline.h"

namespace segrt::vk {

// The shader's specialisation: a wx x wy workgroup, each invocation a tm x tn block of C (tn a
// multiple of 4), the workgroup's tile of C wy*tm x wx*tn; `shared`: k staged bk at a time (a
// multiple of 4) through shared memory, else operands read straight from the buffers.
struct SgemmTile {
  int wx = 16, wy = 16, tm = 4, tn = 8, bk = 16;
  bool shared = true;
  std::string str() const;  // "64x128 tile (16x16 x 4x8, shared bk 16)"
};

class Sgemm {
 public:
  // Throws Error when the tile does not fit the device (workgroup or shared-memory limits) or
  // n or k is no multiple of 4.
  Sgemm(std::shared_ptr<Context> ctx, SgemmTile tile, int m, int n, int k);
  ~Sgemm();
  Sgemm(const Sgemm&) = delete;
  Sgemm& operator=(const Sgemm&) = delete;

  // Row-major A (M x K) and B (K x N) in, C (M x N) out (copies: the buffers are device-local).
  void set_a(const std::vector<float>& a) const { a_->write(0, a.data(), a.size() * 4); }
  void set_b(const std::vector<float>& b) const { b_->write(0, b.data(), b.size() * 4); }
  std::vector<float> c() const {
    std::vector<float> r(c_->bytes() / 4);
    c_->read(0, r.data(), c_->bytes());
    return r;
  }
  // One dispatch, submitted and waited for.
  void run();

 private:
  void release();
  std::shared_ptr<Context> ctx_;
  std::unique_ptr<Buffer> a_, b_, c_;
  const Pipeline* pipeline_ = nullptr;  // owned by the context
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkCommandPool cmd_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
};

}  // namespace segrt::vk
