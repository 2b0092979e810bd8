// The command line itself: help texts, and wrong, unknown or missing options answered with a
// clear message and a failure status, never a crash.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/apps/cli.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

const char* const kCommands[] = {"demo",   "train", "eval",  "infer",  "info",
                                 "models", "synth", "bench", "devices"};

}  // namespace

TEST_CASE("segrt cli: --help of every command exits 0 and prints its usage") {
  for (const std::string cmd : kCommands) {
    for (const char* flag : {"--help", "-h"}) {
      CliResult r = run_segrt({cmd, flag});
      INFO(r.describe());
      CHECK(r.code() == 0);
      CHECK(r.out.rfind("usage: segrt " + cmd, 0) == 0);
      CHECK(r.out.find("--help") != std::string::npos);
      CHECK(r.err.empty());
    }
  }
  // Help wins over everything else on the line, even over a missing required option.
  CliResult r = run_segrt({"train", "--epochs", "3", "--help"});
  INFO(r.describe());
  CHECK(r.code() == 0);
  CHECK(r.out.find("--data DIR") != std::string::npos);
}

TEST_CASE("segrt cli: the top-level usage, unknown commands and --version") {
  {
    CliResult r = run_segrt({});
    INFO(r.describe());
    CHECK(r.code() == 2);
    CHECK(r.err.find("usage: segrt COMMAND") != std::string::npos);
    for (const std::string cmd : kCommands)
      CHECK(r.err.find("  " + cmd + " ") != std::string::npos);
  }
  for (const char* help : {"--help", "-h", "help"}) {
    CliResult r = run_segrt({help});
    INFO(r.describe());
    CHECK(r.code() == 0);
    CHECK(r.out.find("usage: segrt COMMAND") != std::string::npos);
  }
  {
    CliResult r = run_segrt({"trian", "--data", "x"});
    check_clean_failure(r, {"unknown command 'trian'", "usage: segrt COMMAND"});
    CHECK(r.code() == 2);
  }
  {
    CliResult r = run_segrt({"--version"});
    INFO(r.describe());
    CHECK(r.code() == 0);
    CHECK(r.out.rfind("segrt ", 0) == 0);
  }
}

TEST_CASE("segrt cli: unknown options and options without their value") {
  for (const std::string cmd : kCommands) {
    CAPTURE(cmd);
    CliResult r = run_segrt({cmd, "--no-such-option"});
    check_clean_failure(r, {"unknown option --no-such-option", "segrt " + cmd + " --help"});
    // The command is named once, not twice ("segrt train: error: segrt train: ...").
    CHECK(r.err.find("segrt " + cmd + ": error: segrt") == std::string::npos);
    check_clean_failure(run_segrt({cmd, "--bogus=3"}), {"unknown option --bogus"});
  }
  check_clean_failure(run_segrt({"train", "--data"}), {"--data needs a value"});
  check_clean_failure(run_segrt({"eval", "--json=1"}), {"--json takes no value"});
}

TEST_CASE("segrt cli: bad --size values are refused with the value shown") {
  TempDir dir;
  for (const std::string v : {"0", "abc", "64x", "x64", "64x0", "-5", "64x-64", "64x64x3", "1e3",
                              "6 4", "+64", "64.5", "99999999999", "64X64", ""}) {
    CAPTURE(v);
    const std::string expect = "--size expects HxW (e.g. 128x128), got '" + v + "'";
    check_clean_failure(run_segrt({"train", "--data", dir / "none", "--size", v}), {expect});
    check_clean_failure(run_segrt({"bench", "--size", v}), {expect});
    check_clean_failure(run_segrt({"info", "oru-net", "--size", v}), {expect});
    check_clean_failure(run_segrt({"synth", "--out", dir / "s", "--size", v}), {expect});
  }
  CHECK_FALSE(std::filesystem::exists(dir / "s"));
  // Well-formed but unusable for the network: the model says why.
  check_clean_failure(run_segrt({"info", "oru-net", "--size", "100x96"}), {"multiple of 16"});
  check_clean_failure(run_segrt({"bench", "--model", "oru-net:base=4", "--size", "40"}),
                      {"multiple of 16"});
}

TEST_CASE("segrt cli: bad numbers are refused with the value shown") {
  TempDir dir;
  const std::string data = dir / "none";
  for (const std::string v : {"abc", "3x", "1.5", "99999999999", "-99999999999", ""}) {
    CAPTURE(v);
    check_clean_failure(run_segrt({"train", "--data", data, "--epochs", v}),
                        {"--epochs expects an integer, got '" + v + "'"});
    check_clean_failure(run_segrt({"synth", "--out", data, "--count", v}),
                        {"--count expects an integer, got '" + v + "'"});
  }
  check_clean_failure(run_segrt({"train", "--data", data, "--lr", "fast"}),
                      {"--lr expects a number, got 'fast'"});
  check_clean_failure(run_segrt({"train", "--data", data, "--epochs", "0"}),
                      {"--epochs must be at least 1"});
  check_clean_failure(run_segrt({"train", "--data", data, "--lr", "-1"}),
                      {"--lr must be positive"});
  check_clean_failure(run_segrt({"train", "--data", data, "--val", "0.6", "--test", "0.5"}),
                      {"--val and --test"});
  check_clean_failure(run_segrt({"synth", "--out", data, "--count", "0"}),
                      {"--count must be at least 1"});
  check_clean_failure(run_segrt({"bench", "--batch", "0"}), {"--batch and --repeat must be >= 1"});
  CHECK_FALSE(std::filesystem::exists(data));
}

TEST_CASE("segrt cli: missing required options are named") {
  check_clean_failure(run_segrt({"train"}), {"--data DIR is required", "usage: segrt train"});
  check_clean_failure(run_segrt({"eval"}), {"--model and --data are required"});
  check_clean_failure(run_segrt({"eval", "--data", "x"}), {"--model and --data are required"});
  check_clean_failure(run_segrt({"eval", "--model", "x.segrt"}),
                      {"--model and --data are required"});
  check_clean_failure(run_segrt({"infer"}), {"--model is required"});
  check_clean_failure(run_segrt({"infer", "--model", "x.segrt"}), {"no --input files given"});
  check_clean_failure(run_segrt({"synth"}), {"--out DIR is required"});
  check_clean_failure(run_segrt({"info"}), {"expected one MODEL"});
  check_clean_failure(run_segrt({"info", "oru-net", "resunet"}), {"expected one MODEL"});
}

TEST_CASE("segrt cli: unknown models and model options are named") {
  TempDir dir;
  const std::string known = "known: oru-net, resunet, unet";
  check_clean_failure(run_segrt({"info", "nosuch"}), {"unknown model 'nosuch'", known});
  check_clean_failure(run_segrt({"bench", "--model", "nosuch"}), {"unknown model 'nosuch'"});
  check_clean_failure(
      run_segrt({"train", "--model", "nosuch", "--data", dir / "none", "--out", dir / "run"}),
      {"unknown model 'nosuch'"});
  check_clean_failure(run_segrt({"info", "oru-net:bogus=1"}),
                      {"model 'oru-net': unknown option 'bogus'"});
  check_clean_failure(run_segrt({"info", "unet:preset=nosuch"}), {"unknown preset 'nosuch'"});
  check_clean_failure(run_segrt({"info", "oru-net:head=tanh"}),
                      {"head must be sigmoid or softmax"});
  // train names a bad spec before it reads any data (here there is none to read).
  const std::vector<std::pair<std::string, std::string>> specs = {
      {"--loss", "unknown loss 'bogus'"},
      {"--optimizer", "bogus"},
      {"--schedule", "bogus"},
      {"--augment", "unknown item 'bogus'"},
      {"--backend", "unknown backend 'bogus'"}};
  for (const auto& [option, message] : specs) {
    CAPTURE(option);
    CliResult r =
        run_segrt({"train", "--data", dir / "none", "--out", dir / "run", option, "bogus"});
    check_clean_failure(r, {message});
    CHECK(r.err.find("data folder not found") == std::string::npos);
  }
  // A zoo spec where a trained file is needed.
  check_clean_failure(run_segrt({"eval", "--model", "oru-net", "--data", dir / "none"}),
                      {"--model must be a trained .segrt file"});
  check_clean_failure(
      run_segrt({"infer", "--model", "oru-net", "--input", dir / "x.png", "--out", dir / "o"}),
      {"--model must be a trained .segrt file"});
}

}  // namespace segrt::test

namespace segrt::test {

TEST_CASE("segrt cli: counts and fractions outside their range are refused") {
  check_clean_failure(run_segrt({"synth", "--out", "unused", "--empty", "2"}), {"--empty"});
  check_clean_failure(run_segrt({"train", "--data", "unused", "--threads", "-2"}),
                      {"--threads", "at least 0"});
  check_clean_failure(run_segrt({"train", "--data", "unused", "--steps", "-2"}),
                      {"--steps", "at least 0"});
  check_clean_failure(run_segrt({"info", "oru-net", "--in", "-1"}), {"--in", "at least 1"});
  check_clean_failure(run_segrt({"bench", "--threads", "-1"}), {"--threads"});
}

}  // namespace segrt::test
