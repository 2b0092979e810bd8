// segrt devices: every Vulkan device the loader reports, with the limits kernels care about.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "graph/ir.h"
#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/quirks.h"
#endif

namespace segrt::app {

int cmd_devices(const Argv& argv) {
  Args a("segrt devices", "segrt devices [--json]", {{"json", "", "print one JSON object"}});
  if (!a.parse(argv)) return 0;
#ifndef SEGRT_HAVE_VULKAN
  if (a.flag("json"))
    std::printf(
        "%s\n",
        nlohmann::json{{"vulkan", false}, {"devices", nlohmann::json::array()}}.dump().c_str());
  else
    std::puts("this build has no Vulkan backend (Vulkan headers or glslangValidator were missing)");
  return 0;
#else
  // No driver (the loader finds no ICD) is an answer, not a failure: zero devices, and why.
  std::vector<vk::DeviceInfo> devs;
  int selected = -1;
  std::string why;
  try {
    devs = vk::list_devices();
    selected = vk::select_device(devs);
  } catch (const Error& e) {
    why = e.what();
  }
  // Features segrt uses per device; a bad SEGRT_VULKAN_DISABLE is reported like a missing driver.
  std::vector<vk::Features> feats(devs.size());
  try {
    for (size_t i = 0; i < devs.size(); ++i) feats[i] = vk::features_from_env(devs[i]);
  } catch (const Error& e) {
    why = e.what();
    selected = -1;
  }
  // The selected device's pipeline cache as the context opened it (loaded, absent, rejected).
  nlohmann::json cache = nullptr;
  if (selected >= 0) {
    try {
      auto ctx = vk::Context::get();
      const auto& pc = ctx->pipeline_cache();
      cache = {{"enabled", pc.persistent()},
               {"path", pc.path()},
               {"state", pc.state()},
               {"loaded_bytes", pc.loaded_bytes()},
               {"loaded_payload_bytes", pc.loaded_payload_bytes()}};
    } catch (const Error& e) {
      why = e.what();
    }
  }
  if (a.flag("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < devs.size(); ++i) {
      const auto& d = devs[i];
      nlohmann::json uses = nlohmann::json::object();
      for (const auto& f : vk::feature_names()) uses[f] = why.empty() && feats[i].on(f);
      list.push_back({{"index", d.index},
                      {"name", d.name},
                      {"type", d.type},
                      {"api_version", vk::version_str(d.api_version)},
                      {"driver_version", d.driver_version},
                      {"vendor_id", d.vendor_id},
                      {"device_id", d.device_id},
                      {"max_workgroup_size",
                       {d.max_workgroup_size[0], d.max_workgroup_size[1], d.max_workgroup_size[2]}},
                      {"max_workgroup_invocations", d.max_workgroup_invocations},
                      {"shared_memory_bytes", d.shared_memory_bytes},
                      {"subgroup_size", d.subgroup_size},
                      {"fp16_arithmetic", d.fp16_arithmetic},
                      {"fp16_storage", d.fp16_storage},
                      {"compute_queue", d.compute_queue},
                      {"driver_name", d.driver_name},
                      {"subgroup_arithmetic", d.subgroup_arithmetic},
                      {"uses", uses},
                      {"quirks", feats[i].quirks},
                      {"selected", d.index == selected}});
    }
    nlohmann::json j{{"vulkan", true}, {"devices", list}, {"pipeline_cache", cache}};
    if (!why.empty()) j["error"] = why;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  if (devs.empty()) std::puts("no Vulkan devices");
  for (size_t i = 0; i < devs.size(); ++i) {
    const auto& d = devs[i];
    std::printf("%c %d: %s (%s)\n", d.index == selected ? '*' : ' ', d.index, d.name.c_str(),
                d.type.c_str());
    // Driver versions are vendor-encoded; shown raw (and as major.minor.patch) to stay exact.
    std::printf("    api %s  driver %u (%s)  vendor 0x%04x device 0x%04x\n",
                vk::version_str(d.api_version).c_str(), d.driver_version,
                vk::version_str(d.driver_version).c_str(), d.vendor_id, d.device_id);
    std::printf("    workgroup max %ux%ux%u, %u invocations  shared memory %u bytes  subgroup %u\n",
                d.max_workgroup_size[0], d.max_workgroup_size[1], d.max_workgroup_size[2],
                d.max_workgroup_invocations, d.shared_memory_bytes, d.subgroup_size);
    std::printf("    fp16 arithmetic %s  fp16 storage %s  compute queue %s\n",
                d.fp16_arithmetic ? "yes" : "no", d.fp16_storage ? "yes" : "no",
                d.compute_queue ? "yes" : "no");
    if (!why.empty()) continue;
    std::string uses, off;
    for (const auto& f : vk::feature_names()) (feats[i].on(f) ? uses : off) += " " + f;
    std::printf("    segrt uses:%s\n    segrt does not use:%s\n",
                uses.empty() ? " -" : uses.c_str(), off.empty() ? " -" : off.c_str());
    for (const auto& id : feats[i].quirks)
      for (const auto& q : vk::quirk_table())
        if (id == q.id) std::printf("    quirk %s: %s\n", q.id, q.why);
  }
  if (cache.is_object()) {
    if (cache["enabled"].get<bool>())
      std::printf("pipeline cache: %s (%s, %zu bytes)\n", cache["path"].get<std::string>().c_str(),
                  cache["state"].get<std::string>().c_str(), cache["loaded_bytes"].get<size_t>());
    else
      std::printf(
          "pipeline cache: off (SEGRT_VULKAN_PIPELINE_CACHE=0, "
          "SEGRT_VULKAN_DISABLE=pipeline-cache, or no cache folder)\n");
  }
  if (!why.empty())
    std::printf("segrt cannot use a Vulkan device: %s\n", why.c_str());
  else if (selected >= 0)
    std::printf("* = the device segrt uses (SEGRT_VULKAN_DEVICE: index or name)\n");
  return 0;
#endif
}

}  // namespace segrt::app
