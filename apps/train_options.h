// The training options shared by `segrt train` and `segrt demo`.
#pragma once

#include <vector>

#include "apps/args.h"
#include "runtime/train/trainer.h"

namespace segrt::app {

std::vector<OptSpec> train_option_specs(const TrainConfig& defaults);
TrainConfig train_config_from(const Args& a);

}  // namespace segrt::app
