#include "apps/train_options.h"

#include <sstream>

#include "runtime/backend.h"

namespace segrt::app {
namespace {
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

std::vector<OptSpec> train_option_specs(const TrainConfig& d) {
  return {
      {"model", "MODEL", "zoo spec, e.g. oru-net, unet:preset=oru-teacher, resunet", d.model},
      {"data", "DIR", "data folder: images/+masks/ (2-D) or images/+labels/ (NIfTI)"},
      {"out", "DIR", "run folder: best.segrt, last.segrt, history.csv", d.out_dir},
      {"backend", "NAME", "cpu, vulkan, auto (a Vulkan GPU if present, else cpu)", d.backend},
      {"precision", "P", "fp32 (training keeps fp32 state; fp16 is for infer, eval, bench)",
       "fp32"},
      {"epochs", "N", "epochs", std::to_string(d.epochs)},
      {"batch", "N", "batch size", std::to_string(d.batch)},
      {"lr", "X", "base learning rate", num(d.lr)},
      {"size", "HxW", "network input size (images are resized)",
       std::to_string(d.height) + "x" + std::to_string(d.width)},
      {"loss", "SPEC", "weighted terms, e.g. bce+dice, 0.8*focal:gamma=1+0.2*log_dice:smooth=100",
       "bce+dice, or ce+mdice for multi-class"},
      {"optimizer", "SPEC", "sgd[:momentum=0.9,nesterov=1,wd=W], adam, adamw[:wd=W]", d.optim},
      {"schedule", "SPEC",
       "const, step:size=N,gamma=G, exp:gamma=G, cosine:tmax=N,min=X, "
       "plateau:factor=0.5,patience=2",
       d.schedule},
      {"l2", "X",
       "Keras-style L2 penalty on convolution kernels (-1: the model's own, "
       "1e-4 for oru-net)",
       num(d.l2)},
      {"patience", "N", "early stopping after N epochs without improvement (0: off)",
       std::to_string(d.patience)},
      {"monitor", "dice|loss", "validation metric choosing the best checkpoint", d.monitor},
      {"seed", "S", "seed for initialisation, split, shuffling, augmentation, dropout",
       std::to_string(d.seed)},
      {"val", "F", "validation fraction (split by file/volume)", num(d.val_frac)},
      {"test", "F", "test fraction held out from training and validation", num(d.test_frac)},
      {"augment", "LIST", "flip,rot,scale,mask,noise | none | oru-net | resunet", d.augment},
      {"steps", "N", "at most N steps per epoch (0: the whole training split)",
       std::to_string(d.max_steps_per_epoch)},
      {"classes", "K", "classes including background (0: detect)", std::to_string(d.classes)},
      {"normalize", "MODE", "auto, unit, zscore, minmax, none", d.normalise},
      {"axis", "A", "NIfTI slicing axis (0 x, 1 y, 2 z)", std::to_string(d.axis)},
      {"min-foreground", "F", "NIfTI: drop slices whose foreground fraction is <= F (-1 keeps all)",
       num(d.min_foreground)},
      {"keep-empty", "F", "NIfTI: keep this fraction of the dropped slices", num(d.keep_empty)},
      {"threads", "N", "CPU threads (0: all cores)", std::to_string(d.threads)},
      {"resume", "", "continue from OUT/last.segrt"},
      {"quiet", "", "no progress output"},
  };
}

TrainConfig train_config_from(const Args& a) {
  TrainConfig c;
  c.model = a.str("model");
  c.data_dir = a.str("data");
  c.out_dir = a.str("out");
  c.backend = a.str("backend");
  // Optimizer updates (a step of lr * g is often below fp16 resolution of the weight) and
  // running statistics need fp32 state: fp16 storage is for inference only.
  if (parse_precision(a.str("precision")) != Precision::Fp32)
    throw Error(
        "training needs --precision fp32: optimizer updates and running statistics keep fp32 "
        "state (fp16 storage is for infer, eval and bench)");
  c.epochs = a.integer("epochs");
  c.batch = a.integer("batch");
  c.lr = a.real("lr");
  std::tie(c.height, c.width) = a.size("size");
  c.loss = a.has("loss") ? a.str("loss") : "";
  c.optim = a.str("optimizer");
  c.schedule = a.str("schedule");
  c.l2 = a.real("l2");
  c.patience = a.integer("patience");
  c.monitor = a.str("monitor");
  c.seed = static_cast<uint64_t>(a.integer("seed"));
  c.val_frac = a.real("val");
  c.test_frac = a.real("test");
  c.augment = a.str("augment");
  c.max_steps_per_epoch = a.integer("steps", 0);
  c.classes = a.integer("classes");
  c.normalise = a.str("normalize");
  c.threads = a.integer("threads", 0);
  c.axis = a.integer("axis");
  c.min_foreground = a.real("min-foreground");
  c.keep_empty = a.real("keep-empty");
  c.resume = a.flag("resume");
  c.quiet = a.flag("quiet");
  if (c.epochs < 1) throw Error("--epochs must be at least 1");
  if (c.batch < 1) throw Error("--batch must be at least 1");
  if (!(c.lr > 0)) throw Error("--lr must be positive");
  if (c.monitor != "dice" && c.monitor != "loss") throw Error("--monitor is dice or loss");
  if (c.val_frac < 0 || c.test_frac < 0 || c.val_frac + c.test_frac >= 1)
    throw Error("--val and --test must be >= 0 and leave data for training");
  return c;
}

}  // namespace segrt::app
