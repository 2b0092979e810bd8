// `segrt info --json`: the parameter counts of the published networks, and FLOPs that add up.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/apps/cli.h"
#include "tests/apps/cli_data.h"

namespace segrt::test {
namespace {

nlohmann::json info_json(const std::vector<std::string>& args) {
  CliResult r = run_segrt(args);
  check_success(r);
  INFO(r.describe());
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(j.is_object());
  CHECK(r.out.find('\n') == r.out.size() - 1);  // one line
  return j;
}

double layer_sum(const nlohmann::json& j, const char* key) {
  double s = 0;
  for (auto& l : j.at("layers")) s += l.at(key).get<double>();
  return s;
}

}  // namespace

TEST_CASE("segrt cli: info --json gives the networks' parameter counts") {
  struct Case {
    const char* spec;
    int64_t trainable, non_trainable;
    int64_t in, out;
  };
  const Case cases[] = {{"resunet", 6854609, 9824, 4, 1},
                        {"oru-net:residual=0,out=2", 605645, 2944, 3, 2},
                        {"unet:preset=oru-teacher", 8639778, 0, 3, 2}};
  for (const Case& c : cases) {
    CAPTURE(c.spec);
    const nlohmann::json j = info_json({"info", c.spec, "--json", "--size", "128"});
    CHECK(j.at("params_trainable").get<int64_t>() == c.trainable);
    CHECK(j.at("params_non_trainable").get<int64_t>() == c.non_trainable);
    const std::string name = std::string(c.spec).substr(0, std::string(c.spec).find(':'));
    CHECK(j.at("model").get<std::string>().rfind(name + ":", 0) == 0);
    CHECK(j.at("input") == nlohmann::json({1, c.in, 128, 128}));
    CHECK(j.at("output") == nlohmann::json({1, c.out, 128, 128}));
    // The totals are the per-layer table's sums.
    CHECK(layer_sum(j, "params") == double(c.trainable + c.non_trainable));
    const double flops = j.at("flops").get<double>();
    CHECK(flops > 0);
    CHECK(layer_sum(j, "flops") == doctest::Approx(flops).epsilon(1e-12));
    CHECK(j.at("peak_activation_bytes").get<double>() > 0);
    CHECK(j.at("peak_activation_bytes").get<double>() <= j.at("activation_bytes").get<double>());
    // Every layer is a convolutional network's: cost grows with the pixels, parameters do not.
    const nlohmann::json big = info_json({"info", c.spec, "--json", "--size", "256x256"});
    CHECK(big.at("flops").get<double>() == doctest::Approx(4 * flops).epsilon(1e-12));
    CHECK(big.at("params_trainable") == j.at("params_trainable"));
    const nlohmann::json wide = info_json({"info", c.spec, "--json", "--size", "128x256"});
    CHECK(wide.at("flops").get<double>() == doctest::Approx(2 * flops).epsilon(1e-12));
    CHECK(wide.at("input") == nlohmann::json({1, c.in, 128, 256}));
  }
}

TEST_CASE("segrt cli: info --json counts FLOPs as multiply-adds times two") {
  // ORU-Net's head: a 1x1 convolution from 16 to 2 channels with bias at 128x128 does
  // 2 * 16 * 2 multiply-adds and 2 bias adds per pixel.
  const nlohmann::json j = info_json({"info", "oru-net:out=2", "--json", "--size", "128"});
  const nlohmann::json& last = j.at("layers").back();
  CHECK(last.at("name") == "head");
  CHECK(last.at("params") == 16 * 2 + 2);
  CHECK(last.at("flops").get<double>() == double((2 * 16 * 2 + 2) * 128 * 128));
  CHECK(j.at("head") == "sigmoid");
}

TEST_CASE("segrt cli: info on a trained file reports the model it holds") {
  TempDir dir;
  const std::string data = synth_data(dir, "data", 4, 32);
  const std::string model = train_tiny(dir, "run", data);
  const nlohmann::json file = info_json({"info", model, "--json"});
  const nlohmann::json spec =
      info_json({"info", file.at("model").get<std::string>(), "--json", "--size", "32"});
  CHECK(file.at("model").get<std::string>().rfind("oru-net:base=4,", 0) == 0);
  CHECK(file.at("input") == nlohmann::json({1, 3, 32, 32}));  // the training size and channels
  CHECK(file.at("params_trainable") == spec.at("params_trainable"));
  CHECK(file.at("params_non_trainable") == spec.at("params_non_trainable"));
  CHECK(file.at("flops") == spec.at("flops"));
  CliResult text = run_segrt({"info", model});
  check_success(text);
  CHECK(text.out.find("(trained weights)") != std::string::npos);
}

}  // namespace segrt::test
