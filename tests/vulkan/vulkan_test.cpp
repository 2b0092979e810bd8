// The Vulkan backend beyond the operator suite: device selection, guard values around every
// value a program holds, replay, and `segrt devices`.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/backend.h"
#include "tests/apps/cli.h"
#include "tests/vulkan/env.h"

#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/vulkan_backend.h"
#include "runtime/vulkan/vulkan_program.h"
#endif

namespace segrt::test {

TEST_CASE("segrt devices --json lists Vulkan devices when the build has Vulkan") {
  CliResult r = run_segrt({"devices", "--json"});
  INFO(r.describe());
  REQUIRE(r.code() == 0);
  auto j = nlohmann::json::parse(r.out);
#ifndef SEGRT_HAVE_VULKAN
  CHECK(j["vulkan"] == false);
  CHECK(j["devices"].empty());
#else
  CHECK(j["vulkan"] == true);
  if (!vk::vulkan_available()) return;
  REQUIRE(!j["devices"].empty());
  int selected = 0;
  for (auto& d : j["devices"]) {
    CHECK(!d["name"].get<std::string>().empty());
    CHECK(d["max_workgroup_invocations"].get<int>() >= 64);  // our shaders' workgroup
    CHECK(d["shared_memory_bytes"].get<int>() > 0);
    selected += d["selected"].get<bool>();
  }
  CHECK(selected == 1);
#endif
}

#ifdef SEGRT_HAVE_VULKAN

TEST_CASE("vulkan: SEGRT_VULKAN_DEVICE picks by index or name, and a miss is a clear error") {
  std::vector<vk::DeviceInfo> devs(3);
  devs[0].name = "llvmpipe (LLVM 15)", devs[0].type = "cpu";
  devs[1].name = "AMD Radeon RX 7600", devs[1].type = "discrete";
  devs[2].name = "Intel UHD 770", devs[2].type = "integrated";
  for (int i = 0; i < 3; ++i) devs[i].index = i, devs[i].compute_queue = true;
  const char* old = std::getenv("SEGRT_VULKAN_DEVICE");
  const std::string saved = old ? old : "";
  unsetenv("SEGRT_VULKAN_DEVICE");
  CHECK(vk::select_device(devs) == 1);  // discrete first
  setenv("SEGRT_VULKAN_DEVICE", "llvmpipe", 1);
  CHECK(vk::select_device(devs) == 0);
  setenv("SEGRT_VULKAN_DEVICE", "2", 1);
  CHECK(vk::select_device(devs) == 2);
  setenv("SEGRT_VULKAN_DEVICE", "GeForce", 1);
  CHECK_THROWS_WITH_AS(vk::select_device(devs), doctest::Contains("matches no device"), Error);
  devs[1].compute_queue = false;
  unsetenv("SEGRT_VULKAN_DEVICE");
  CHECK(vk::select_device(devs) == 2);
  if (old) setenv("SEGRT_VULKAN_DEVICE", saved.c_str(), 1);
}

// Runs a small program with guard values in every element of its buffers that belongs to no
// value; the buffers are inspected through Buffer::read/write, so both memory paths (mapped,
// staging copies) are covered.
static void check_guards_and_replay() {
  // Odd sizes leave alignment gaps between values; a chain with a broadcast and a reduction.
  Graph g;
  int x = g.add_input("x", {3, 7}), y = g.add_input("y", {1, 7});
  int s = g.add1("add", {x, y});
  int r = g.add1("sigmoid", {s});
  int t = g.add1("mul", {r, x});
  int u = g.add1("reduce_to", {t}, {{"shape", Shape{1, 7}}});
  int v = g.add1("scale", {u}, {{"s", 2.0}});
  auto be = make_backend("vulkan");
  auto prog = be->compile(g, {t, v});
  auto* vp = dynamic_cast<vk::VulkanProgram*>(prog.get());
  REQUIRE(vp != nullptr);

  // Every element of both buffers that belongs to no value is a guard.
  const uint32_t kGuard = 0x7fc0beefu;  // a NaN no kernel produces
  std::vector<std::pair<const vk::Buffer*, std::vector<bool>>> bufs;
  auto owner = [&](const vk::Buffer* b) -> std::vector<bool>& {
    for (auto& [p, m] : bufs)
      if (p == b) return m;
    bufs.push_back({b, std::vector<bool>(b->bytes() / 4, false)});
    return bufs.back().second;
  };
  for (int id : {x, y, s, r, t, u, v}) {
    auto [b, off] = vp->location(id);
    auto& m = owner(b);
    for (int64_t i = 0; i < numel(g.value(id).shape); ++i) m.at(off + i) = true;
  }
  for (auto& [b, m] : bufs) {
    std::vector<uint32_t> words(m.size());
    b->read(0, words.data(), words.size() * 4);
    for (size_t i = 0; i < m.size(); ++i)
      if (!m[i]) words[i] = kGuard;
    b->write(0, words.data(), words.size() * 4);
  }

  std::vector<float> xv(21), yv(7);
  for (int i = 0; i < 21; ++i) xv[i] = 0.1f * float(i - 10);
  for (int i = 0; i < 7; ++i) yv[i] = 0.3f * float(i - 3);
  prog->write(x, xv);
  prog->write(y, yv);
  prog->run();
  const auto first = prog->read(v);
  prog->run();
  CHECK(prog->read(v) == first);  // replaying the recorded command buffer

  std::vector<double> want(7, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 7; ++j) {
      const double a = xv[i * 7 + j] + yv[j];
      want[j] += 2.0 / (1.0 + std::exp(-a)) * xv[i * 7 + j];
    }
  for (int j = 0; j < 7; ++j) CHECK(first[j] == doctest::Approx(want[j]).epsilon(1e-5));

  int guards = 0, damaged = 0;
  for (auto& [b, m] : bufs) {
    std::vector<uint32_t> words(m.size());
    b->read(0, words.data(), words.size() * 4);
    for (size_t i = 0; i < m.size(); ++i)
      if (!m[i]) {
        ++guards;
        damaged += words[i] != kGuard;
      }
  }
  CHECK(guards > 0);
  CHECK(damaged == 0);
}

TEST_CASE("vulkan: guard values around every value survive runs, and replay is stable") {
  if (!vk::vulkan_available()) {
    MESSAGE("no Vulkan device: skipped");
    return;
  }
  SUBCASE("buffers as the device offers them") {
    check_guards_and_replay();
  }
  SUBCASE("SEGRT_VULKAN_FORCE_STAGING=1") {
    ScopedEnv staging("SEGRT_VULKAN_FORCE_STAGING", "1");
    check_guards_and_replay();
  }
}

#endif

}  // namespace segrt::test
