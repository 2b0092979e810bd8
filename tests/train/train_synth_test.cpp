// Training end to end on the built-in synthetic phantoms: the network must learn to segment
// held-out images it never saw (test split) to Dice >= 0.90.
#include <doctest/doctest.h>

#include <filesystem>

#include "graph/model_file.h"
#include "runtime/data/synth.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/trainer.h"

namespace fs = std::filesystem;

namespace segrt {

TEST_CASE("training ORU-Net on synthetic phantoms reaches Dice >= 0.90 on held-out images") {
  const fs::path root = fs::temp_directory_path() / "segrt_train_synth_test";
  fs::remove_all(root);
  SynthOptions so;
  so.count = 160;
  so.height = so.width = 64;
  so.seed = 3;
  write_synth_dataset((root / "data").string(), so);

  TrainConfig cfg;
  cfg.model = "oru-net";
  cfg.data_dir = (root / "data").string();
  cfg.out_dir = (root / "run").string();
  cfg.height = cfg.width = 64;
  cfg.epochs = 10;
  cfg.batch = 8;
  cfg.lr = 3e-3;
  cfg.normalise = "auto";
  cfg.val_frac = 0.15;
  cfg.test_frac = 0.15;
  cfg.seed = 3;
  cfg.quiet = true;
  TrainResult r = train(cfg);
  REQUIRE(r.history.size() == size_t(cfg.epochs));
  // The loss goes down.
  CHECK(r.history.back().train_loss < r.history.front().train_loss);

  ModelFile mf = load_model(r.best_path);
  DatasetOptions dopt;
  dopt.resize_h = dopt.resize_w = 64;
  Dataset ds = load_dataset(cfg.data_dir, dopt);
  Split split = split_dataset(ds, 0.7, 0.15, 0.15, cfg.seed);
  REQUIRE(split.test.size() >= 20);
  Predictor pred(mf.model(), 8, ds.channels, 64, 64, "cpu");
  pred.set_params(mf.params);
  Evaluation ev = evaluate(pred, ds, split.test, false);
  MESSAGE("held-out Dice " << ev.summary.mean_foreground.dice << " IoU "
                           << ev.summary.mean_foreground.iou << " after " << cfg.epochs
                           << " epochs");
  CHECK(ev.summary.mean_foreground.dice >= 0.90);
  fs::remove_all(root);
}

}  // namespace segrt
