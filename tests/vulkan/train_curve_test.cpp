// Training on Vulkan follows the CPU backend's loss curve: ORU-Net, same seed, same data, the
// first 50 steps.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "runtime/backend.h"
#include "runtime/data/synth.h"
#include "runtime/train/trainer.h"

namespace fs = std::filesystem;

namespace segrt {

TEST_CASE("vulkan: training ORU-Net follows the CPU loss curve for 50 steps") {
  auto names = backend_names();
  if (std::find(names.begin(), names.end(), "vulkan") == names.end()) {
    MESSAGE("no Vulkan device (or a build without Vulkan): skipped");
    return;
  }
  const fs::path root = fs::temp_directory_path() / "segrt_vulkan_train_curve";
  fs::remove_all(root);
  SynthOptions so;
  so.count = 60;  // 48 in the training split: 12 steps of 4 per epoch, capped at 10
  so.height = so.width = 32;
  so.seed = 5;
  write_synth_dataset((root / "data").string(), so);

  auto run = [&](const std::string& backend) {
    TrainConfig cfg;
    cfg.model = "oru-net";
    cfg.backend = backend;
    cfg.data_dir = (root / "data").string();
    cfg.out_dir = (root / backend).string();
    cfg.height = cfg.width = 32;
    cfg.epochs = 5;
    cfg.max_steps_per_epoch = 10;
    cfg.batch = 4;
    cfg.lr = 3e-3;
    cfg.seed = 5;
    cfg.quiet = true;
    return train(cfg);
  };
  TrainResult cpu = run("cpu"), vk = run("vulkan");
  REQUIRE(cpu.step_losses.size() == 50);
  REQUIRE(vk.step_losses.size() == 50);
  double worst = 0;
  for (size_t i = 0; i < 50; ++i) {
    const double c = cpu.step_losses[i], v = vk.step_losses[i];
    const double rel = std::abs(v - c) / std::max(std::abs(c), 0.1);
    worst = std::max(worst, rel);
    INFO("step " << i + 1 << " cpu " << c << " vulkan " << v);
    CHECK(rel <= 2e-2);
  }
  MESSAGE("largest relative loss difference over 50 steps: " << worst);
  // The curve is a curve: the loss moved.
  CHECK(cpu.step_losses.back() < cpu.step_losses.front());
  fs::remove_all(root);
}

}  // namespace segrt
