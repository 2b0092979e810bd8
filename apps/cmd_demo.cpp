// segrt demo: the whole job on built-in synthetic data: phantoms -> training -> held-out
// segmentation -> Dice/IoU -> mask and overlay PNGs.
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "apps/model_source.h"
#include "apps/train_options.h"
#include "runtime/data/image_io.h"
#include "runtime/data/synth.h"
#include "runtime/train/evaluate.h"

namespace fs = std::filesystem;

namespace segrt::app {

int cmd_demo(const Argv& argv) {
  TrainConfig d;
  d.model = "oru-net";
  d.out_dir = "demo-out";
  d.epochs = 10;
  d.batch = 8;
  d.lr = 3e-3;
  d.height = d.width = 128;
  d.normalise = "auto";
  d.val_frac = 0.15;
  d.test_frac = 0.15;
  std::vector<OptSpec> specs = train_option_specs(d);
  specs.push_back({"count", "N", "synthetic images to generate", "240"});
  Args a("segrt demo", "segrt demo [--out DIR] [--count N] [training options]", specs);
  if (!a.parse(argv)) return 0;
  TrainConfig cfg = train_config_from(a);
  const std::string root = cfg.out_dir;
  const std::string data = a.has("data") ? cfg.data_dir : root + "/data";
  if (!a.has("data")) {
    SynthOptions so;
    so.count = a.integer("count");
    so.height = so.width = 128;
    so.seed = cfg.seed;
    std::printf("1/4  synthesising %d phantom brain MRIs (3 contrasts, tumour masks) in %s\n",
                so.count, data.c_str());
    write_synth_dataset(data, so);
  }
  cfg.data_dir = data;
  cfg.out_dir = root + "/run";
  std::printf("2/4  training %s on the CPU: %d epochs, batch %d, %dx%d\n", cfg.model.c_str(),
              cfg.epochs, cfg.batch, cfg.height, cfg.width);
  std::fflush(stdout);
  TrainResult r = train(cfg);

  std::printf("3/4  segmenting the held-out test images with %s\n", r.best_path.c_str());
  ModelSource m = open_model(r.best_path);
  DatasetOptions dopt;
  dopt.classes = m.info_int("data.classes", 2);
  dopt.normalize = m.info_str("data.normalize", "auto");
  dopt.resize_h = cfg.height;
  dopt.resize_w = cfg.width;
  Dataset ds = load_dataset(data, dopt);
  Split split =
      split_dataset(ds, 1 - cfg.val_frac - cfg.test_frac, cfg.val_frac, cfg.test_frac, cfg.seed);
  Predictor pred(m.spec, cfg.batch, ds.channels, cfg.height, cfg.width, cfg.backend);
  pred.set_params(m.params);
  const std::string pred_dir = root + "/predictions";
  fs::create_directories(pred_dir);
  Evaluation ev = evaluate(pred, ds, split.test, true, [&](size_t i, const LabelMap& lm) {
    const Sample& s = ds.samples[i];
    write_label_png(pred_dir + "/" + s.id + "_mask.png", lm, 255);
    write_png(pred_dir + "/" + s.id + "_overlay.png", overlay(s.image, lm));
  });
  std::printf("4/4  results on %lld held-out images (never seen in training or validation):\n",
              static_cast<long long>(ev.summary.images));
  std::fputs(format_summary(ev.summary).c_str(), stdout);
  std::printf("Dice %.4f  IoU %.4f\nmasks and overlays: %s/\nmodel: %s\n",
              ev.summary.mean_foreground.dice, ev.summary.mean_foreground.iou, pred_dir.c_str(),
              r.best_path.c_str());
  return 0;
}

}  // namespace segrt::app
