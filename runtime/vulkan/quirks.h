// Which optional device features segrt uses: what the device offers, minus known driver quirks
// (a table keyed by vendor id, driver id and device-name substring), minus what the user turns
// off with SEGRT_VULKAN_DISABLE=fp16,subgroup,... .
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/vulkan/context.h"

namespace segrt::vk {

// Names SEGRT_VULKAN_DISABLE accepts, in the order `segrt devices` shows them.
const std::vector<std::string>& feature_names();

struct Quirk {
  const char* id;                // short name shown by `segrt devices`
  uint32_t vendor_id = 0;        // 0: any vendor
  uint32_t driver_id = 0;        // VkDriverId; 0: any driver
  const char* name_has = "";     // substring of the device name; "": any
  std::vector<const char*> off;  // features it turns off (names from feature_names())
  uint32_t max_invocations = 0;  // cap on workgroup invocations; 0: none
  const char* why;               // the reason, with where it is documented
};

// The built-in table.
const std::vector<Quirk>& quirk_table();
// Entries of the table that match the device.
std::vector<const Quirk*> quirks_for(const DeviceInfo& d);

// Parses a comma-separated list of feature names (spaces ignored); an unknown name is an Error
// listing the known ones.
std::vector<std::string> parse_disabled(const std::string& text);

struct Features {
  bool fp16 = false;                       // fp16 arithmetic in shaders (shaderFloat16)
  bool fp16_storage = false;               // 16-bit storage buffers
  bool subgroup = false;                   // subgroup arithmetic in compute shaders
  bool subgroup_shuffle = false;           // subgroupShuffle (off with "subgroup" too)
  bool pipeline_cache = false;             // the on-disk pipeline cache
  bool mapped_device_memory = false;       // host-visible device-local memory written directly
  bool fusion = false;                     // conv epilogue fusion for inference (graph/fusion.h)
  uint32_t max_invocations = 0;            // workgroup invocations kernels may use
  std::vector<std::string> quirks;         // ids of the quirks applied
  std::vector<std::string> disabled;       // names turned off by SEGRT_VULKAN_DISABLE
  bool on(const std::string& name) const;  // by feature name
};

// Features for device `d` given the SEGRT_VULKAN_DISABLE text `disable` (Error on a bad name).
Features resolve_features(const DeviceInfo& d, const std::string& disable);
// The same with SEGRT_VULKAN_DISABLE (and SEGRT_VULKAN_PIPELINE_CACHE=0,
// SEGRT_VULKAN_FORCE_STAGING=1) read from the environment.
Features features_from_env(const DeviceInfo& d);

}  // namespace segrt::vk
