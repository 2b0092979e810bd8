// The Vulkan instance, the chosen physical device, its logical device and one compute queue.
// One context per process, shared by every backend and program (creating an instance per
// program would dominate small runs).
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace segrt::vk {

class PipelineCache;
class Pipeline;
class Transfer;
struct Features;

// What identifies a pipeline: the shader, its specialisation constants and, for the fp16-storage
// variant, its SEGRT_SCRATCH constant (bit k: binding k is a scratch region; shaders/common.glsl).
struct PipelineKey {
  std::string shader;
  std::vector<int32_t> spec;
  bool fp16_storage = false;
  int32_t scratch_mask = 0;
  auto operator<=>(const PipelineKey&) const = default;
};

struct DeviceInfo {
  int index = 0;
  std::string name, type;  // type: discrete | integrated | virtual | cpu | other
  uint32_t api_version = 0, driver_version = 0, vendor_id = 0, device_id = 0;
  uint32_t max_workgroup_size[3] = {0, 0, 0};
  uint32_t max_workgroup_count[3] = {0, 0, 0};
  uint32_t max_workgroup_invocations = 0;
  uint32_t shared_memory_bytes = 0;
  uint32_t subgroup_size = 0;
  uint32_t min_storage_offset_alignment = 0;
  bool fp16_arithmetic = false;  // shaderFloat16
  bool fp16_storage = false;     // storageBuffer16BitAccess
  bool compute_queue = false;
  bool subgroup_arithmetic = false;  // subgroup arithmetic ops in compute shaders
  bool subgroup_shuffle = false;     // subgroupShuffle in compute shaders
  uint32_t driver_id = 0;            // VkDriverId (0 when the driver does not say)
  std::string driver_name;           // VkPhysicalDeviceDriverProperties::driverName
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE] = {};
  uint64_t device_local_bytes = 0;    // the largest device-local heap
  uint64_t max_allocation_bytes = 0;  // maxMemoryAllocationSize (0: not reported)
};

std::string version_str(uint32_t v);

// Every physical device the loader reports (throws Error when Vulkan cannot start).
std::vector<DeviceInfo> list_devices();
// Index of the device segrt uses, per SEGRT_VULKAN_DEVICE (an index, or a substring of the
// name) or else the first discrete, integrated, virtual, then any device with a compute queue.
// Throws Error naming the devices seen when none fits.
int select_device(const std::vector<DeviceInfo>& devs);

class Context {
 public:
  // The shared context on the device select_device() picks.
  static std::shared_ptr<Context> get();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  VkPhysicalDevice physical() const { return physical_; }
  // Memory type index with all of `want` among `type_bits`; -1 when none.
  int memory_type(uint32_t type_bits, VkMemoryPropertyFlags want) const;
  const VkPhysicalDeviceMemoryProperties& memory() const { return mem_; }
  // What segrt uses on this device (quirks and SEGRT_VULKAN_DISABLE applied).
  const Features& features() const { return *features_; }

  // The pipeline of (shader, specialisation constants), created on first use through the
  // pipeline cache and shared by every program of the process. Thread-safe. fp16_storage: the
  // shader's fp16-storage variant, with scratch_mask (bit k: binding k is a scratch region)
  // as its SEGRT_SCRATCH constant (shaders/common.glsl).
  const Pipeline& pipeline(const std::string& shader, const std::vector<int32_t>& spec,
                           bool fp16_storage = false, int32_t scratch_mask = 0);
  // The pipelines of `keys`, in order. The missing ones are created together on several
  // threads (SEGRT_VULKAN_COMPILE_THREADS, default one per hardware thread): drivers compile
  // in vkCreateComputePipelines, and a program needs tens of pipelines before its first run.
  std::vector<const Pipeline*> pipelines(const std::vector<PipelineKey>& keys);
  // The on-disk pipeline cache (in memory only when disabled).
  PipelineCache& pipeline_cache() { return *cache_; }
  // Writes the pipeline cache file when pipelines were created since the last save.
  void save_pipeline_cache();
  // Host <-> device copies for buffers the host cannot map (created on first use).
  Transfer& transfer();
  // vkQueueSubmit on the shared queue, serialised (programs and copies may submit from
  // different threads; a VkQueue must not be used by two at once).
  void submit(uint32_t count, const VkSubmitInfo* info, VkFence fence, const std::string& what);

 private:
  Context();
  std::unique_ptr<Features> features_;
  std::unique_ptr<PipelineCache> cache_;
  std::mutex pipelines_mutex_;
  std::map<PipelineKey, std::unique_ptr<Pipeline>> pipelines_;
  std::mutex transfer_mutex_, queue_mutex_;
  std::unique_ptr<Transfer> transfer_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties mem_{};
};

}  // namespace segrt::vk
