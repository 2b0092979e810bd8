// segrt train.
#include <cstdio>

#include "apps/commands.h"
#include "apps/train_options.h"

namespace segrt::app {

int cmd_train(const Argv& argv) {
  TrainConfig defaults;
  defaults.normalise = "auto";
  Args a("segrt train", "segrt train --model MODEL --data DIR --out DIR [options]",
         train_option_specs(defaults));
  if (!a.parse(argv)) return 0;
  if (!a.has("data")) throw Error("segrt train: --data DIR is required\n" + a.usage());
  TrainConfig cfg = train_config_from(a);
  TrainResult r = train(cfg);
  std::printf("best epoch %d: validation %s %.4f\nbest model: %s\nlast checkpoint: %s\n",
              r.best_epoch + 1, cfg.monitor.c_str(), r.best_dice, r.best_path.c_str(),
              r.last_path.c_str());
  return 0;
}

}  // namespace segrt::app
