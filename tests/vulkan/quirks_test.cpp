// SEGRT_VULKAN_DISABLE parsing and the quirk table's effect on the features segrt uses.
#include <doctest/doctest.h>

#ifdef SEGRT_HAVE_VULKAN

#include <nlohmann/json.hpp>

#include "runtime/vulkan/quirks.h"
#include "runtime/vulkan/vulkan_backend.h"
#include "tests/apps/cli.h"
#include "tests/vulkan/env.h"

namespace segrt::test {
namespace {

vk::DeviceInfo capable(uint32_t vendor, uint32_t driver) {
  vk::DeviceInfo d;
  d.name = "test device";
  d.vendor_id = vendor, d.driver_id = driver;
  d.fp16_arithmetic = d.fp16_storage = d.subgroup_arithmetic = true;
  d.max_workgroup_invocations = 1024;
  return d;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("vulkan quirks: SEGRT_VULKAN_DISABLE lists features, an unknown name is an error") {
  CHECK(vk::parse_disabled("").empty());
  CHECK(vk::parse_disabled("fp16, subgroup,,fp16") == std::vector<std::string>{"fp16", "subgroup"});
  CHECK(vk::parse_disabled("pipeline-cache,mapped-device-memory,fp16-storage").size() == 3);
  CHECK_THROWS_WITH_AS(vk::parse_disabled("fp16,warp"),
                       doctest::Contains("unknown feature 'warp' (known: fp16, fp16-storage"),
                       Error);
  CHECK_THROWS_AS(vk::parse_disabled("FP16"), Error);  // names are exact

  const vk::DeviceInfo d = capable(0x1002, VK_DRIVER_ID_MESA_RADV);
  vk::Features all = vk::resolve_features(d, "");
  CHECK(all.fp16);
  CHECK(all.subgroup);
  CHECK(all.pipeline_cache);
  CHECK(all.quirks.empty());
  vk::Features some = vk::resolve_features(d, "subgroup,pipeline-cache");
  CHECK(some.fp16);
  CHECK(!some.subgroup);
  CHECK(!some.pipeline_cache);
  CHECK(some.disabled == std::vector<std::string>{"subgroup", "pipeline-cache"});
  CHECK(!some.on("subgroup"));
  CHECK_THROWS_AS((void)some.on("warp"), Error);
  {
    ScopedEnv e("SEGRT_VULKAN_DISABLE", "fp16"), s("SEGRT_VULKAN_FORCE_STAGING", "1");
    vk::Features f = vk::features_from_env(d);
    CHECK(!f.fp16);
    CHECK(!f.mapped_device_memory);
  }
  // A capability the device lacks stays off whatever the switches say.
  vk::DeviceInfo weak = d;
  weak.fp16_arithmetic = false;
  CHECK(!vk::resolve_features(weak, "").fp16);
}

TEST_CASE("vulkan quirks: table entries match by vendor and driver") {
  vk::Features nv = vk::resolve_features(capable(0x10de, VK_DRIVER_ID_NVIDIA_PROPRIETARY), "");
  CHECK(has(nv.quirks, "nvidia-fp16"));
  CHECK(!nv.fp16);
  CHECK(nv.subgroup);
  // The same vendor through another driver (nouveau's NVK) is not matched.
  vk::Features nvk = vk::resolve_features(capable(0x10de, VK_DRIVER_ID_MESA_NVK), "");
  CHECK(nvk.quirks.empty());
  CHECK(nvk.fp16);
  vk::Features lvp = vk::resolve_features(capable(0x10005, VK_DRIVER_ID_MESA_LLVMPIPE), "");
  CHECK(has(lvp.quirks, "lavapipe-subgroup-width"));
  for (const auto& q : vk::quirk_table()) {
    CHECK(std::string(q.why).size() > 20);  // every entry says why
    for (const char* f : q.off) CHECK(vk::parse_disabled(f).size() == 1);
  }
}

TEST_CASE("vulkan quirks: segrt devices shows the features used and names a bad switch") {
  if (!vk::vulkan_available()) return;
  {
    ScopedEnv e("SEGRT_VULKAN_DISABLE", "subgroup");
    CliResult r = run_segrt({"devices", "--json"});
    INFO(r.describe());
    REQUIRE(r.code() == 0);
    auto j = nlohmann::json::parse(r.out);
    for (auto& d : j["devices"]) {
      CHECK(d["uses"]["subgroup"] == false);
      CHECK(d["uses"].contains("pipeline-cache"));
      CHECK(d["quirks"].is_array());
    }
  }
  ScopedEnv e("SEGRT_VULKAN_DISABLE", "warp");
  CliResult r = run_segrt({"devices"});
  INFO(r.describe());
  CHECK(r.code() == 0);
  CHECK(r.out.find("unknown feature 'warp'") != std::string::npos);
}

}  // namespace segrt::test

#endif
