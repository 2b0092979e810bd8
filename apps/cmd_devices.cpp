// segrt devices: every Vulkan device the loader reports, with the limits kernels care about.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "graph/ir.h"
#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/context.h"
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
  if (a.flag("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : devs)
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
                      {"selected", d.index == selected}});
    nlohmann::json j{{"vulkan", true}, {"devices", list}};
    if (!why.empty()) j["error"] = why;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  if (devs.empty()) std::puts("no Vulkan devices");
  for (const auto& d : devs) {
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
  }
  if (!why.empty())
    std::printf("segrt cannot use a Vulkan device: %s\n", why.c_str());
  else if (selected >= 0)
    std::printf("* = the device segrt uses (SEGRT_VULKAN_DEVICE: index or name)\n");
  return 0;
#endif
}

}  // namespace segrt::app
