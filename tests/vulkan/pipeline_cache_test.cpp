// The on-disk pipeline cache: the file appears once pipelines are created, another process
// (`segrt devices --json`) loads it, a corrupt file is ignored with a message and replaced, a
// header for another device is refused, and an unwritable folder is only a warning.
#include <doctest/doctest.h>

#ifdef SEGRT_HAVE_VULKAN

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/quirks.h"
#include "runtime/vulkan/vulkan_backend.h"
#include "tests/apps/cli.h"
#include "tests/data/test_util.h"
#include "tests/vulkan/env.h"

namespace segrt::test {
namespace {

// The shader and specialisation of a relu: a real pipeline to create.
std::pair<std::string, std::vector<int32_t>> relu_variant() {
  Graph g;
  int x = g.add_input("x", {2, 3});
  g.add1("relu", {x});
  vk::Dispatch d = vk::lower(g, g.node(0)).dispatches.at(0);
  return {d.shader, d.spec};
}

nlohmann::json devices_cache_json(const std::string& dir, std::string* err = nullptr) {
  ScopedEnv env("SEGRT_CACHE_DIR", dir.c_str());
  ScopedEnv on("SEGRT_VULKAN_PIPELINE_CACHE", nullptr);
  CliResult r = run_segrt({"devices", "--json"});
  INFO(r.describe());
  REQUIRE(r.code() == 0);
  if (err) *err = r.err;
  return nlohmann::json::parse(r.out).at("pipeline_cache");
}

}  // namespace

TEST_CASE("vulkan pipeline cache: saved after creating pipelines, loaded by another process") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  TempDir dir;
  const auto [shader, spec] = relu_variant();
  std::string path;
  {
    vk::PipelineCache pc(ctx->device(), ctx->info(), dir.path().string());
    CHECK(pc.state() == "absent");
    CHECK(pc.loaded_bytes() == 0);
    CHECK(!pc.save());  // nothing created yet: no file
    CHECK(!std::filesystem::exists(pc.path()));
    vk::Pipeline p(ctx->device(), pc, shader, spec);
    CHECK(pc.pipelines_created() == 1);
    CHECK(pc.pipelines_created_warm() == 0);
    CHECK(pc.save());
    path = pc.path();
    CHECK(std::filesystem::exists(path));
    CHECK(path.find(vk::pipeline_cache_file(ctx->info())) != std::string::npos);
  }
  // A second process finds and accepts it.
  auto j = devices_cache_json(dir.path().string());
  CHECK(j["path"] == path);
  CHECK(j["state"] == "loaded");
  CHECK(j["loaded_bytes"].get<size_t>() > 0);
  // Here too: the next pipeline is created with the file's data in the cache.
  vk::PipelineCache warm(ctx->device(), ctx->info(), dir.path().string());
  CHECK(warm.state() == "loaded");
  vk::Pipeline p(ctx->device(), warm, shader, spec);
  CHECK(warm.pipelines_created_warm() == 1);
}

TEST_CASE("vulkan pipeline cache: a corrupt file is ignored with a message and replaced") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  TempDir dir;
  const std::string path = dir / vk::pipeline_cache_file(ctx->info());
  put_bytes(path, std::vector<unsigned char>(100, 0x5a));
  std::string err;
  auto j = devices_cache_json(dir.path().string(), &err);
  CHECK(j["state"].get<std::string>().rfind("rejected", 0) == 0);
  CHECK(j["loaded_bytes"] == 0);
  CHECK(err.find("ignoring the pipeline cache") != std::string::npos);
  {
    // That process replaced the file with a valid one when its context closed.
    vk::PipelineCache pc(ctx->device(), ctx->info(), dir.path().string());
    CHECK(pc.state() == "loaded");
  }
  put_bytes(path, std::vector<unsigned char>(100, 0x5a));
  {
    vk::PipelineCache pc(ctx->device(), ctx->info(), dir.path().string());
    CHECK(pc.state() == "rejected: not a segrt pipeline cache");
    const auto [shader, spec] = relu_variant();
    vk::Pipeline p(ctx->device(), pc, shader, spec);
    CHECK(pc.save());
  }
  // A damaged byte inside a valid file is caught by the checksum.
  auto bytes = file_bytes(path);
  REQUIRE(bytes.size() > 40);
  {
    vk::PipelineCache pc(ctx->device(), ctx->info(), dir.path().string());
    CHECK(pc.state() == "loaded");
  }
  bytes[bytes.size() - 1] ^= 0xff;
  put_bytes(path, bytes);
  vk::PipelineCache pc(ctx->device(), ctx->info(), dir.path().string());
  CHECK(pc.state() == "rejected: checksum mismatch");
}

TEST_CASE("vulkan pipeline cache: the Vulkan header must name this device and driver") {
  vk::DeviceInfo d;
  d.vendor_id = 0x1002, d.device_id = 0x73ff;
  for (uint32_t i = 0; i < VK_UUID_SIZE; ++i) d.pipeline_cache_uuid[i] = uint8_t(i);
  auto header = [&](uint32_t size, uint32_t version, uint32_t vendor, uint32_t device) {
    std::vector<uint8_t> h(48, 0);
    uint32_t w[4] = {size, version, vendor, device};
    std::memcpy(h.data(), w, 16);
    std::memcpy(h.data() + 16, d.pipeline_cache_uuid, VK_UUID_SIZE);
    return h;
  };
  CHECK(vk::check_cache_header(header(32, 1, 0x1002, 0x73ff), d).empty());
  CHECK(vk::check_cache_header(std::vector<uint8_t>(20, 0), d).find("shorter") == 0);
  CHECK(vk::check_cache_header(header(64, 1, 0x1002, 0x73ff), d) == "bad header size");
  CHECK(vk::check_cache_header(header(32, 2, 0x1002, 0x73ff), d) == "header version 2");
  CHECK(vk::check_cache_header(header(32, 1, 0x10de, 0x73ff), d).find("vendor 0x10de") !=
        std::string::npos);
  CHECK(vk::check_cache_header(header(32, 1, 0x1002, 0x1234), d).find("device 0x1234") !=
        std::string::npos);
  auto other = header(32, 1, 0x1002, 0x73ff);
  other[20] ^= 1;
  CHECK(vk::check_cache_header(other, d).find("pipelineCacheUUID") != std::string::npos);
  // The file name changes with the driver version.
  vk::DeviceInfo newer = d;
  newer.driver_version = 7;
  CHECK(vk::pipeline_cache_file(d) != vk::pipeline_cache_file(newer));
}

TEST_CASE("vulkan pipeline cache: folder choice, switch off, unwritable folder") {
  {
    ScopedEnv a("SEGRT_CACHE_DIR", "/x/seg");
    CHECK(vk::pipeline_cache_dir() == "/x/seg");
  }
  {
    ScopedEnv a("SEGRT_CACHE_DIR", nullptr), b("XDG_CACHE_HOME", "/x/xdg");
    CHECK(vk::pipeline_cache_dir() == "/x/xdg/segrt");
  }
  {
    ScopedEnv a("SEGRT_CACHE_DIR", nullptr), b("XDG_CACHE_HOME", nullptr), c("HOME", "/x/home");
    CHECK(vk::pipeline_cache_dir() == "/x/home/.cache/segrt");
  }
  vk::DeviceInfo d;
  {
    ScopedEnv off("SEGRT_VULKAN_PIPELINE_CACHE", "0");
    CHECK(!vk::features_from_env(d).pipeline_cache);
  }
  {
    ScopedEnv off("SEGRT_VULKAN_PIPELINE_CACHE", nullptr), dis("SEGRT_VULKAN_DISABLE", nullptr);
    CHECK(vk::features_from_env(d).pipeline_cache);
  }
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  TempDir dir;
  put_bytes(dir / "file", {1});
  // The folder cannot be created (a file is in the way): save() warns and returns false.
  vk::PipelineCache pc(ctx->device(), ctx->info(), dir / "file/sub");
  const auto [shader, spec] = relu_variant();
  vk::Pipeline p(ctx->device(), pc, shader, spec);
  CHECK(!pc.save());
}

}  // namespace segrt::test

#endif
