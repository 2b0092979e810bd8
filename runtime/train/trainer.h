// The training loop: data -> batches -> the training-step program, validation each epoch,
// best and last checkpoints, per-epoch history CSV, schedules, early stopping and resume.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

struct TrainConfig {
  std::string model = "oru-net";  // zoo spec; in/out/head are filled from the data
  std::string data_dir;
  std::string out_dir = "runs/segrt";
  std::string backend = "cpu";
  int epochs = 30;
  int batch = 16;
  int height = 128, width = 128;
  double lr = 1e-3;
  std::string loss = "bce+dice";  // multi-class data: "ce+mdice" unless given
  std::string optim = "adam";
  std::string schedule = "const";
  double l2 = -1;                // Keras-style L2 on kernels; -1: the model's default
  int patience = 0;              // early stopping on the validation metric; 0 = off
  std::string monitor = "dice";  // dice (max) or loss (min) picks the best checkpoint
  uint64_t seed = 1;
  double val_frac = 0.1, test_frac = 0.1;
  std::string augment = "flip";  // comma list: flip, rot, scale, mask, noise; "none"
  int max_steps_per_epoch = 0;   // 0: the whole training split each epoch
  bool resume = false;           // continue from out_dir/last.segrt
  int classes = 0;               // 0: detect from the labels
  std::string normalise = "zscore";
  int axis = 2;                // NIfTI slicing axis
  double min_foreground = -1;  // NIfTI: drop slices with foreground fraction <= this
  double keep_empty = 0;       // ... but keep this fraction of them
  int threads = 0;
  bool quiet = false;
};

struct EpochRecord {
  int epoch = 0;
  double lr = 0, train_loss = 0, val_loss = 0, val_dice = 0, val_iou = 0, seconds = 0;
};

struct TrainResult {
  std::vector<EpochRecord> history;
  std::vector<double> step_losses;  // training loss of every step this run took, in order
  int best_epoch = -1;
  double best_dice = 0;
  std::string best_path, last_path;
};

TrainResult train(const TrainConfig& cfg);

}  // namespace segrt
