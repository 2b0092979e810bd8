// Context::pipelines: a program's missing pipelines are created together on several threads;
// each key gets one pipeline however it is asked for, a failure names its shader, and
// SEGRT_VULKAN_COMPILE_THREADS is checked.
#include <doctest/doctest.h>

#ifdef SEGRT_HAVE_VULKAN

#include "graph/ir.h"
#include "runtime/vulkan/lower.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/vulkan_backend.h"
#include "tests/vulkan/env.h"

namespace segrt::test {
namespace {

// A relu's pipeline key with `tag` as constant 24, which elementwise.comp does not declare (the
// driver ignores such map entries), so each tag is a pipeline no other test has created.
vk::PipelineKey relu_key(int32_t tag) {
  Graph g;
  int x = g.add_input("x", {2, 3});
  g.add1("relu", {x});
  vk::Dispatch d = vk::lower(g, g.node(0)).dispatches.at(0);
  d.spec.resize(24, 0);
  d.spec.push_back(tag);
  return {d.shader, d.spec};
}

}  // namespace

TEST_CASE("vulkan pipelines: one batch on several threads, one pipeline per key") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  ScopedEnv threads("SEGRT_VULKAN_COMPILE_THREADS", "4");
  const int before = ctx->pipeline_cache().pipelines_created();
  std::vector<vk::PipelineKey> keys;
  for (int32_t i = 0; i < 6; ++i) keys.push_back(relu_key(7000 + i));
  keys.push_back(keys[2]);  // asked twice in one batch
  keys.push_back(keys[0]);
  std::vector<const vk::Pipeline*> p = ctx->pipelines(keys);
  REQUIRE(p.size() == keys.size());
  CHECK(ctx->pipeline_cache().pipelines_created() == before + 6);
  for (size_t i = 0; i < 6; ++i) {
    CHECK(p[i]->handle() != VK_NULL_HANDLE);
    for (size_t j = 0; j < i; ++j) CHECK(p[i] != p[j]);
  }
  CHECK(p[6] == p[2]);
  CHECK(p[7] == p[0]);
  // Asked again, singly or in a batch: the same objects, nothing created.
  CHECK(&ctx->pipeline(keys[3].shader, keys[3].spec) == p[3]);
  CHECK(ctx->pipelines({keys[5], keys[1]}) == std::vector<const vk::Pipeline*>{p[5], p[1]});
  CHECK(ctx->pipeline_cache().pipelines_created() == before + 6);
}

TEST_CASE("vulkan pipelines: a failure in a batch names its shader; the rest stay usable") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  ScopedEnv threads("SEGRT_VULKAN_COMPILE_THREADS", "2");
  std::vector<vk::PipelineKey> keys = {relu_key(7100), {"no_such_shader", {1}}, relu_key(7101)};
  CHECK_THROWS_WITH_AS(ctx->pipelines(keys),
                       doctest::Contains("no embedded shader 'no_such_shader'"), Error);
  CHECK(ctx->pipelines({keys[0], keys[2]}).size() == 2);
}

TEST_CASE("vulkan pipelines: SEGRT_VULKAN_COMPILE_THREADS must be a count from 1 to 256") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  for (const char* bad : {"0", "-2", "two", "3x", "", "257"}) {
    ScopedEnv threads("SEGRT_VULKAN_COMPILE_THREADS", bad);
    CHECK_THROWS_WITH_AS(ctx->pipelines({relu_key(7200)}),
                         doctest::Contains("SEGRT_VULKAN_COMPILE_THREADS"), Error);
  }
  ScopedEnv one("SEGRT_VULKAN_COMPILE_THREADS", "1");
  CHECK(ctx->pipelines({relu_key(7200)}).front()->handle() != VK_NULL_HANDLE);
}

}  // namespace segrt::test

#endif
