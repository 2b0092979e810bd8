#include "runtime/vulkan/quirks.h"

#include <algorithm>
#include <cstdlib>

#include "graph/ir.h"

namespace segrt::vk {

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = {
      "fp16", "fp16-storage", "subgroup", "pipeline-cache", "mapped-device-memory", "fusion"};
  return names;
}

const std::vector<Quirk>& quirk_table() {
  // Only entries with a public record of the problem; each says where.
  static const std::vector<Quirk> table = {
      {.id = "lavapipe-subgroup-width",
       .driver_id = VK_DRIVER_ID_MESA_LLVMPIPE,
       .why = "a CPU device: the subgroup is the SIMD width (8 lanes with AVX2, 4 with SSE), "
              "not 32/64, and workgroup shared memory is 32 KiB; kernels size reductions from "
              "the reported limits (ggml-org/llama.cpp#10809 found shaders assuming wider "
              "subgroups wrong there)"},
      {.id = "intel-windows-fp16",
       .vendor_id = 0x8086,
       .driver_id = VK_DRIVER_ID_INTEL_PROPRIETARY_WINDOWS,
       .off = {"fp16"},
       .why = "Intel's Windows driver crashed compiling SPIR-V float16 arithmetic "
              "(yuzu-emu/yuzu#5798 turned it off for this driver)"},
      {.id = "nvidia-fp16",
       .vendor_id = 0x10de,
       .driver_id = VK_DRIVER_ID_NVIDIA_PROPRIETARY,
       .off = {"fp16"},
       .why = "Chromium's Dawn blocklists shader-f16 on NVIDIA's Vulkan driver for "
              "miscompiled fp16 shaders (crbug.com/42251215)"},
  };
  return table;
}

std::vector<const Quirk*> quirks_for(const DeviceInfo& d) {
  std::vector<const Quirk*> r;
  for (const Quirk& q : quirk_table()) {
    if (q.vendor_id && q.vendor_id != d.vendor_id) continue;
    if (q.driver_id && q.driver_id != d.driver_id) continue;
    if (*q.name_has && d.name.find(q.name_has) == std::string::npos) continue;
    r.push_back(&q);
  }
  return r;
}

std::vector<std::string> parse_disabled(const std::string& text) {
  std::vector<std::string> r;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    std::string name;
    for (size_t k = i; k < j; ++k)
      if (text[k] != ' ' && text[k] != '\t') name += text[k];
    i = j + 1;
    if (name.empty()) continue;
    const auto& known = feature_names();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error("vulkan: SEGRT_VULKAN_DISABLE names an unknown feature '" + name +
                  "' (known: " + list + ")");
    }
    if (std::find(r.begin(), r.end(), name) == r.end()) r.push_back(name);
  }
  return r;
}

bool Features::on(const std::string& name) const {
  if (name == "fp16") return fp16;
  if (name == "fp16-storage") return fp16_storage;
  if (name == "subgroup") return subgroup;
  if (name == "pipeline-cache") return pipeline_cache;
  if (name == "mapped-device-memory") return mapped_device_memory;
  if (name == "fusion") return fusion;
  throw Error("vulkan: unknown feature '" + name + "'");
}

Features resolve_features(const DeviceInfo& d, const std::string& disable) {
  Features f;
  f.fp16 = d.fp16_arithmetic;
  f.fp16_storage = d.fp16_storage;
  f.subgroup = d.subgroup_arithmetic;
  f.subgroup_shuffle = d.subgroup_shuffle;
  f.pipeline_cache = true;
  f.mapped_device_memory = true;
  f.fusion = true;
  f.max_invocations = d.max_workgroup_invocations;
  f.disabled = parse_disabled(disable);
  std::vector<std::string> off = f.disabled;
  for (const Quirk* q : quirks_for(d)) {
    f.quirks.push_back(q->id);
    for (const char* o : q->off) off.push_back(o);
    if (q->max_invocations) f.max_invocations = std::min(f.max_invocations, q->max_invocations);
  }
  for (const std::string& o : off) {
    if (o == "fp16") f.fp16 = false;
    if (o == "fp16-storage") f.fp16_storage = false;
    if (o == "subgroup") f.subgroup = f.subgroup_shuffle = false;
    if (o == "pipeline-cache") f.pipeline_cache = false;
    if (o == "mapped-device-memory") f.mapped_device_memory = false;
    if (o == "fusion") f.fusion = false;
  }
  return f;
}

Features features_from_env(const DeviceInfo& d) {
  const char* env = std::getenv("SEGRT_VULKAN_DISABLE");
  Features f = resolve_features(d, env ? env : "");
  const char* pc = std::getenv("SEGRT_VULKAN_PIPELINE_CACHE");
  if (pc && std::string(pc) == "0") f.pipeline_cache = false;
  const char* st = std::getenv("SEGRT_VULKAN_FORCE_STAGING");
  if (st && *st && std::string(st) != "0") f.mapped_device_memory = false;
  return f;
}

}  // namespace segrt::vk
