// `segrt bench --per-op --json` through the binary: the timing fields and the per-op table
// (one row per op type of the network, counts, shares adding up to 100%), on the CPU and, when
// every op of the network has a shader, on Vulkan.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "graph/fusion.h"
#include "graph/models/zoo.h"
#include "runtime/backend.h"
#include "tests/apps/cli.h"

#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/vulkan_backend.h"
#endif

namespace segrt::test {
namespace {

const char* const kModel = "oru-net:base=4";

// Nodes per op of the tiny inference graph the bench runs.
std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> r;
  for (int n : g.schedule({g.outputs().at(0)})) ++r[g.node(n).op];
  return r;
}

Graph tiny_graph() {
  return build_model(kModel, 1, Mode::Infer, 0, 32, 32);
}

// Runs the bench and checks the JSON; `exact_counts`: one kernel per node (the CPU).
void check_bench(const std::string& backend, bool exact_counts) {
  CliResult r =
      run_segrt({"bench", "--model", kModel, "--size", "32x32", "--batch", "1", "--warmup", "1",
                 "--repeat", "2", "--threads", "1", "--backend", backend, "--per-op", "--json"},
                {}, 300);
  INFO(r.describe());
  REQUIRE(r.code() == 0);
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.at("backend") == backend);
  CHECK(!j.at("device").get<std::string>().empty());
  for (const char* k : {"median_ms", "ms_per_image", "cold_ms", "open_ms", "compile_ms",
                        "pipeline_ms", "first_run_ms", "gflops_per_s", "kernel_ms"}) {
    INFO(k);
    CHECK(std::isfinite(j.at(k).get<double>()));
    CHECK(j.at(k).get<double>() >= 0);
  }
  CHECK(j.at("cold_ms").get<double>() >= j.at("first_run_ms").get<double>());
  // The cold time holds the device open, the compile and the first run, one after another.
  CHECK(j.at("cold_ms").get<double>() >= j.at("open_ms").get<double>() +
                                             j.at("compile_ms").get<double>() +
                                             j.at("first_run_ms").get<double>());
  // Pipeline creation is part of the compile, and only Vulkan has pipelines.
  CHECK(j.at("compile_ms").get<double>() >= j.at("pipeline_ms").get<double>());
  CHECK((j.at("pipeline_ms").get<double>() > 0) == (backend == "vulkan"));
  CHECK(j.at("gflops_per_s").get<double>() > 0);
  CHECK(j.at("peak_bytes").get<int64_t>() > 0);

  std::map<std::string, int> want = op_counts(tiny_graph());
  if (backend == "vulkan") {
    // The Vulkan backend runs each conv epilogue group as its conv's dispatches.
    const Graph g = tiny_graph();
    for (const ConvEpilogue& e : find_conv_epilogues(g, g.schedule(g.outputs()), g.outputs()))
      for (int n : e.nodes)
        if (n != e.conv && --want[g.node(n).op] == 0) want.erase(g.node(n).op);
  }
  const auto& rows = j.at("per_op");
  REQUIRE(rows.is_array());
  std::set<std::string> seen;
  double percent = 0, ms = 0, prev = INFINITY;
  for (const auto& row : rows) {
    const std::string op = row.at("op");
    INFO("op " << op);
    CHECK(seen.insert(op).second);  // one row per op type
    REQUIRE(want.count(op) == 1);
    const int count = row.at("count");
    if (exact_counts)
      CHECK(count == want.at(op));
    else
      CHECK(count >= want.at(op));  // a node may take several dispatches
    const double t = row.at("ms");
    CHECK(std::isfinite(t));
    CHECK(t >= 0);
    CHECK(t <= prev);  // slowest first
    prev = t;
    ms += t;
    percent += row.at("percent").get<double>();
    CHECK(row.at("gflops_per_s").get<double>() >= 0);
  }
  CHECK(seen.size() == want.size());  // every op type of the network has a row
  CHECK(percent == doctest::Approx(100).epsilon(1e-6));
  CHECK(ms == doctest::Approx(j.at("kernel_ms").get<double>()).epsilon(1e-9));
}

}  // namespace

TEST_CASE("segrt bench --per-op --json on the cpu: timing fields and one row per op type") {
  check_bench("cpu", true);
  // Without --json: the table's header and total line.
  CliResult r = run_segrt({"bench", "--model", kModel, "--size", "32x32", "--repeat", "1",
                           "--warmup", "0", "--threads", "1", "--per-op"});
  INFO(r.describe());
  REQUIRE(r.code() == 0);
  CHECK(r.out.find("compile") != std::string::npos);
  CHECK(r.out.find("GFLOP/s") != std::string::npos);
  CHECK(r.out.find("conv2d") != std::string::npos);
  CHECK(r.out.find("total") != std::string::npos);
}

TEST_CASE("segrt bench --backend vulkan --per-op --json: one timed row per op type") {
#ifndef SEGRT_HAVE_VULKAN
  MESSAGE("this build has no Vulkan backend: skipped");
#else
  if (!vk::vulkan_available()) {
    MESSAGE("no Vulkan device: skipped");
    return;
  }
  check_bench("vulkan", false);
#endif
}

}  // namespace segrt::test
