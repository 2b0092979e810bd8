// Device memory and submission: the staging path gives the same results as mapped memory, an
// impossible allocation is a clear error, and a program split into several command buffers by
// SEGRT_VULKAN_SUBMIT_FLOPS computes what the unsplit one does.
#include <doctest/doctest.h>

#ifdef SEGRT_HAVE_VULKAN

#include "runtime/backend.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/transfer.h"
#include "runtime/vulkan/vulkan_backend.h"
#include "runtime/vulkan/vulkan_program.h"
#include "tests/vulkan/env.h"

namespace segrt::test {
namespace {

// A chain of elementwise ops and a reduction on tiny shapes: about 40 flops per node.
struct Chain {
  Graph g;
  int x, y, out, sum;
  Chain() {
    x = g.add_input("x", {5, 8}), y = g.add_input("y", {1, 8});
    int a = g.add1("add", {x, y});
    int b = g.add1("tanh", {a});
    int c = g.add1("mul", {b, x});
    int d = g.add1("sigmoid", {c});
    int e = g.add1("sub", {d, b});
    out = g.add1("scale", {e}, {{"s", 3.0}});
    sum = g.add1("reduce_to", {out}, {{"shape", Shape{1, 8}}});
  }
};

struct Result {
  std::vector<float> out, sum;
  size_t command_buffers = 0;
  bool mapped = false;
};

Result run_chain() {
  Chain c;
  auto prog = make_backend("vulkan")->compile(c.g, {c.out, c.sum});
  auto* vp = dynamic_cast<vk::VulkanProgram*>(prog.get());
  REQUIRE(vp != nullptr);
  std::vector<float> xv(40), yv(8);
  for (int i = 0; i < 40; ++i) xv[i] = 0.05f * float(i - 17);
  for (int i = 0; i < 8; ++i) yv[i] = 0.2f * float(i - 4);
  prog->write(c.x, xv);
  prog->write(c.y, yv);
  prog->run();
  prog->run();
  return {prog->read(c.out), prog->read(c.sum), vp->command_buffers(),
          vp->location(c.out).first->mapped()};
}

}  // namespace

TEST_CASE("vulkan memory: the staging path computes what the mapped path does") {
  if (!vk::vulkan_available()) return;
  ScopedEnv unforced("SEGRT_VULKAN_FORCE_STAGING", nullptr);
  auto ctx = vk::Context::get();  // held: the programs share it and its transfer counters
  const Result direct = run_chain();
  auto& transfer = ctx->transfer();
  const int copies = transfer.copies();
  Result staged;
  {
    ScopedEnv force("SEGRT_VULKAN_FORCE_STAGING", "1");
    staged = run_chain();
  }
  CHECK(!staged.mapped);
  CHECK(transfer.copies() > copies);  // the writes and reads went through copies
  CHECK(transfer.staging_bytes() >= 40 * 4);
  CHECK(staged.out == direct.out);
  CHECK(staged.sum == direct.sum);
}

TEST_CASE(
    "vulkan memory: an allocation the device cannot hold is an error naming size and device") {
  if (!vk::vulkan_available()) return;
  auto ctx = vk::Context::get();
  const size_t huge = size_t(1) << 50;
  CHECK_THROWS_WITH_AS(vk::Buffer(ctx, huge),
                       doctest::Contains("cannot allocate 1125899906842624 bytes"), Error);
  CHECK_THROWS_WITH_AS(vk::Buffer(ctx, huge), doctest::Contains(ctx->info().name.c_str()), Error);
  // A normal buffer still works afterwards, both ways.
  vk::Buffer b(ctx, 64);
  std::vector<float> in(16, 1.5f), out(16, 0.f);
  b.write(0, in.data(), 64);
  b.read(0, out.data(), 64);
  CHECK(out == in);
  CHECK_THROWS_AS(b.write(8, in.data(), 64), Error);
}

TEST_CASE("vulkan submit: a small budget splits the program into command buffers, same output") {
  if (!vk::vulkan_available()) return;
  Result whole, split;
  {
    ScopedEnv budget("SEGRT_VULKAN_SUBMIT_FLOPS", nullptr);
    whole = run_chain();
  }
  {
    ScopedEnv budget("SEGRT_VULKAN_SUBMIT_FLOPS", "50");
    split = run_chain();
  }
  CHECK(whole.command_buffers == 1);
  CHECK(split.command_buffers >= 4);
  CHECK(split.out == whole.out);
  CHECK(split.sum == whole.sum);
  ScopedEnv bad("SEGRT_VULKAN_SUBMIT_FLOPS", "lots");
  Chain c;
  CHECK_THROWS_WITH_AS(make_backend("vulkan")->compile(c.g, {c.out}),
                       doctest::Contains("SEGRT_VULKAN_SUBMIT_FLOPS"), Error);
}

}  // namespace segrt::test

#endif
