// The VkPipelineCache every pipeline is created through, loaded from a file when the context
// starts and written back (temp file + rename) when pipelines were created since. The file
// name carries the device's pipelineCacheUUID, vendor, device and driver version, so another
// GPU or a driver update never reads a stale cache; the data is also checked (our own length
// and checksum, then the header Vulkan puts first) before the driver sees it.
#pragma once

#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

// $SEGRT_CACHE_DIR, else $XDG_CACHE_HOME/segrt, else $HOME/.cache/segrt ("" when none is set).
std::string pipeline_cache_dir();
// The cache file's name (no folder) for a device.
std::string pipeline_cache_file(const DeviceInfo& d);
// Why `data` (what vkGetPipelineCacheData returned) cannot seed a cache on `d`; "" when it can.
std::string check_cache_header(const std::vector<uint8_t>& data, const DeviceInfo& d);

class PipelineCache {
 public:
  // Loads <dir>/<pipeline_cache_file(d)>; an empty dir keeps the cache in memory only.
  // A corrupt or mismatching file is ignored with one line on stderr (and replaced on save).
  PipelineCache(VkDevice dev, const DeviceInfo& d, const std::string& dir);
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_; }
  // Counts a pipeline created through handle() (the file is then out of date). Thread-safe:
  // pipelines are created on several threads at once (Context::pipelines).
  void created();
  // Writes the file when pipelines were created since the last save; returns whether it did.
  // An unwritable folder is a warning on stderr, never an error.
  bool save();

  bool persistent() const { return !path_.empty(); }
  const std::string& path() const { return path_; }  // "" when in memory only
  // "disabled", "absent", "loaded" or "rejected: <why>".
  const std::string& state() const { return state_; }
  size_t loaded_bytes() const { return loaded_bytes_; }  // Vulkan data handed to the driver
  // Of those, the bytes past the Vulkan header: 0 when the driver keeps nothing in a
  // VkPipelineCache (lavapipe in Mesa 22 returns only the header).
  size_t loaded_payload_bytes() const { return payload_bytes_; }
  int pipelines_created() const { return created_.load(); }
  // Pipelines created while the cache held data loaded from the file.
  int pipelines_created_warm() const { return loaded_bytes_ > 0 ? created_.load() : 0; }

 private:
  VkDevice dev_;
  DeviceInfo info_;
  std::string path_, state_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  size_t loaded_bytes_ = 0, payload_bytes_ = 0;
  std::atomic<int> created_{0};
  std::atomic<bool> dirty_{false};
};

}  // namespace segrt::vk
