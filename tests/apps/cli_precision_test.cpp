// `--precision` through the binary: fp16 storage on Vulkan for bench, eval and infer (results
// close to fp32, less device memory), and the clean refusals (cpu, training, unknown names).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/apps/cli.h"
#include "tests/apps/cli_data.h"

#ifdef SEGRT_HAVE_VULKAN
#include "runtime/backend.h"
#include "runtime/vulkan/vulkan_backend.h"
#endif

namespace segrt::test {
namespace {

// Whether a Vulkan device with fp16 storage opens here (said when not).
bool have_fp16() {
#ifndef SEGRT_HAVE_VULKAN
  MESSAGE("this build has no Vulkan backend: skipped");
  return false;
#else
  if (!vk::vulkan_available()) {
    MESSAGE("no Vulkan device: skipped");
    return false;
  }
  try {
    vk::VulkanBackend b(Precision::Fp16);
    return true;
  } catch (const Error& e) {
    MESSAGE("no fp16 storage (" << e.what() << "): skipped");
    return false;
  }
#endif
}

nlohmann::json bench_json(const std::string& precision) {
  CliResult r = run_segrt({"bench", "--model", "oru-net:base=4", "--size", "32x32", "--batch", "1",
                           "--warmup", "0", "--repeat", "1", "--threads", "1", "--backend",
                           "vulkan", "--precision", precision, "--json"},
                          {}, 300);
  INFO(r.describe());
  REQUIRE(r.code() == 0);
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  return j;
}

}  // namespace

TEST_CASE("segrt --precision: refused on the cpu, for training, and when unknown") {
  check_clean_failure(run_segrt({"bench", "--model", "oru-net:base=4", "--size", "32x32",
                                 "--repeat", "1", "--precision", "fp16"}),
                      {"fp16 needs the vulkan backend"});
  check_clean_failure(run_segrt({"bench", "--model", "oru-net:base=4", "--size", "32x32",
                                 "--repeat", "1", "--train", "--precision", "fp16"}),
                      {"--train needs --precision fp32", "optimizer"});
  check_clean_failure(run_segrt({"bench", "--model", "oru-net:base=4", "--precision", "fp8"}),
                      {"unknown precision 'fp8'"});
  TempDir dir;
  check_clean_failure(run_segrt({"train", "--model", "oru-net:base=4", "--data", dir / "none",
                                 "--out", dir / "run", "--precision", "fp16"}),
                      {"training needs --precision fp32", "running statistics"});
}

TEST_CASE("segrt bench --backend vulkan --precision fp16: runs, says so, holds less memory") {
  if (!have_fp16()) return;
  const auto j16 = bench_json("fp16"), j32 = bench_json("fp32");
  CHECK(j16.at("precision") == "fp16");
  CHECK(j32.at("precision") == "fp32");
  CHECK(j16.at("backend") == "vulkan");
  CHECK(std::isfinite(j16.at("median_ms").get<double>()));
  const int64_t b16 = j16.at("peak_bytes"), b32 = j32.at("peak_bytes");
  MESSAGE("peak device bytes fp32 " << b32 << ", fp16 " << b16);
  CHECK(b16 > 0);
  CHECK(b16 * 10 <= b32 * 6);  // values halve; the fp32 scratch and alignment add a little
}

TEST_CASE("segrt eval and infer --backend vulkan --precision fp16 agree with fp32") {
  if (!have_fp16()) return;
  TempDir dir;
  const std::string data = synth_data(dir, "data", 6, 32);
  const std::string model = train_tiny(dir, "run", data);
  double dice[2];
  int k = 0;
  for (const char* p : {"fp32", "fp16"}) {
    CliResult r = run_segrt({"eval", "--model", model, "--data", data, "--json", "--no-hd",
                             "--backend", "vulkan", "--precision", p});
    INFO(r.describe());
    REQUIRE(r.code() == 0);
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    dice[k++] = j.at("dice").get<double>();
  }
  MESSAGE("eval dice fp32 " << dice[0] << ", fp16 " << dice[1]);
  CHECK(std::abs(dice[0] - dice[1]) <= 0.01);
  const std::string out = dir / "masks";
  CliResult r = run_segrt({"infer", "--model", model, "--input", data + "/images/synth_0000.png",
                           "--out", out, "--backend", "vulkan", "--precision", "fp16"});
  INFO(r.describe());
  CHECK(r.code() == 0);
  CHECK(std::filesystem::exists(out + "/synth_0000_mask.png"));
}

}  // namespace segrt::test
