#include "runtime/train/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "graph/init.h"
#include "graph/model_file.h"
#include "graph/models/zoo.h"
#include "graph/training.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/data/dataset.h"
#include "runtime/data/rng.h"
#include "runtime/data/transform.h"
#include "runtime/metrics.h"
#include "runtime/progress.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/predictor.h"
#include "runtime/train/schedule.h"

namespace fs = std::filesystem;

namespace segrt {
namespace {

AugmentOptions parse_augment(const std::string& text) {
  AugmentOptions a;
  if (text == "none" || text.empty()) return a;
  if (text == "oru-net") return AugmentOptions::orunet();
  if (text == "resunet") return AugmentOptions::resunet();
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "flip")
      a.hflip_p = a.vflip_p = 0.5;
    else if (item == "rot")
      a.rotate_p = 0.5, a.rotate_degrees = 15;
    else if (item == "scale")
      a.scale_p = 0.5, a.scale_min = 0.9, a.scale_max = 1.1;
    else if (item == "mask")
      a.mask_p = 0.4, a.mask_max_patches = 6, a.mask_max_fraction = 0.2;
    else if (item == "noise")
      a.noise_p = 0.25, a.noise_mean = 0.05, a.noise_std = std::sqrt(0.1);
    else
      throw Error("--augment: unknown item '" + item +
                  "' (flip, rot, scale, mask, noise, none, oru-net, resunet)");
  }
  return a;
}

// The spec with the data's input channels, output channels and head filled in where the user
// gave none. `in` must be filled too: the canonical spec spells out every option, so a default
// left in it (in=3) would later read as given and clash with, e.g., 1-channel data.
std::string complete_spec(const std::string& spec, int classes, int channels) {
  ModelOptions o = parse_model_spec(spec);
  std::string extra;
  const bool multi = classes > 2;
  if (!o.given("in")) extra += ",in=" + std::to_string(channels);
  if (!o.given("out")) extra += ",out=" + std::to_string(multi ? classes : 1);
  if (!o.given("head")) extra += std::string(",head=") + (multi ? "softmax" : "sigmoid");
  if (extra.empty()) return o.spec();
  std::string s = spec + (spec.find(':') == std::string::npos ? ":" : ",") + extra.substr(1);
  return parse_model_spec(s).spec();
}

void write_history(const std::string& path, const std::vector<EpochRecord>& h) {
  std::ofstream f(path + ".tmp");
  f << "epoch,lr,train_loss,val_loss,val_dice,val_iou,seconds\n";
  for (auto& r : h)
    f << r.epoch << "," << r.lr << "," << r.train_loss << "," << r.val_loss << "," << r.val_dice
      << "," << r.val_iou << "," << r.seconds << "\n";
  f.close();
  if (!f) throw Error(path + ": cannot write the training history");
  fs::rename(path + ".tmp", path);
}

std::vector<EpochRecord> read_history(const std::string& path) {
  std::vector<EpochRecord> h;
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    EpochRecord r;
    char c;
    std::stringstream ss(line);
    ss >> r.epoch >> c >> r.lr >> c >> r.train_loss >> c >> r.val_loss >> c >> r.val_dice >> c >>
        r.val_iou >> c >> r.seconds;
    if (ss) h.push_back(r);
  }
  return h;
}

}  // namespace

TrainResult train(const TrainConfig& cfg) {
  // The specs are checked before the data set loads, which can take minutes: a typo in one
  // must not wait for that.
  parse_model_spec(cfg.model);
  if (!cfg.loss.empty()) LossSpec::parse(cfg.loss);
  OptimSpec::parse(cfg.optim);
  make_schedule(cfg.schedule, cfg.lr);
  parse_augment(cfg.augment);
  make_backend(cfg.backend);
  if (cfg.threads > 0) cpu::set_threads(cfg.threads);
  fs::create_directories(cfg.out_dir);
  const std::string last_path = cfg.out_dir + "/last.segrt";
  const std::string best_path = cfg.out_dir + "/best.segrt";
  const std::string hist_path = cfg.out_dir + "/history.csv";
  // A run killed while writing a checkpoint leaves its temporary file (the checkpoint itself
  // is intact: it is replaced by rename); clear those leftovers.
  for (const auto& e : fs::directory_iterator(cfg.out_dir))
    if (e.path().filename().string().find(".segrt.tmp-") != std::string::npos) fs::remove(e.path());

  // ---- data ----
  DatasetOptions dopt;
  dopt.classes = cfg.classes;
  dopt.normalize = cfg.normalise;
  dopt.resize_h = cfg.height;
  dopt.resize_w = cfg.width;
  dopt.axis = cfg.axis;
  dopt.min_foreground = cfg.min_foreground;
  dopt.keep_empty = cfg.keep_empty;
  Dataset ds = load_dataset(cfg.data_dir, dopt);
  if (ds.samples.empty()) throw Error(cfg.data_dir + ": the data set is empty");
  const int K = ds.num_classes;
  Split split =
      split_dataset(ds, 1 - cfg.val_frac - cfg.test_frac, cfg.val_frac, cfg.test_frac, cfg.seed);
  if (split.train.empty()) throw Error(cfg.data_dir + ": no samples left for training");
  if (split.val.empty()) split.val = split.train;  // tiny sets: validate on the training data

  // ---- model and training graph ----
  const std::string spec = complete_spec(cfg.model, K, ds.channels);
  LossSpec loss = LossSpec::parse(cfg.loss.empty() ? (K > 2 ? "ce+mdice" : "bce+dice") : cfg.loss);
  OptimSpec optim = OptimSpec::parse(cfg.optim);
  Graph g = build_model(spec, cfg.batch, Mode::Train, ds.channels, cfg.height, cfg.width);
  optim.l2 = cfg.l2 >= 0 ? cfg.l2 : (g.meta.count("l2") ? std::stod(g.meta.at("l2")) : 0.0);
  const std::string head = g.meta.at("head");
  const int image = g.get("image");
  const int logits = g.outputs().at(0);
  const int out_ch = static_cast<int>(g.value(logits).shape.at(1));
  const bool one_hot = out_ch > 1;
  if (one_hot && out_ch != K)
    throw Error("model '" + spec + "' has " + std::to_string(out_ch) + " outputs but " +
                cfg.data_dir + " has " + std::to_string(K) + " classes");
  TrainGraph tg = add_training(g, logits, head, loss, optim);
  const int key = g.find("rng_key");

  auto backend = make_backend(cfg.backend);
  std::vector<int> outs = tg.updates;
  outs.push_back(tg.loss);
  auto prog = backend->compile(g, outs);

  Predictor eval(spec, std::min<int>(cfg.batch, static_cast<int>(split.val.size())), ds.channels,
                 cfg.height, cfg.width, cfg.backend, Mode::Infer, &loss);
  const Graph& model_graph = eval.graph();

  // ---- parameters: fresh, or resumed from the last checkpoint ----
  ParamStore store = init_params(g, cfg.seed);
  int start_epoch = 0;
  int64_t step = 0;
  std::vector<EpochRecord> history;
  double best = cfg.monitor == "loss" ? INFINITY : -INFINITY;
  int best_epoch = -1;
  if (cfg.resume && fs::exists(last_path)) {
    ModelFile mf = load_model(last_path);
    if (mf.model() != spec)
      throw Error(last_path + ": checkpoint is of model '" + mf.model() + "', not '" + spec + "'");
    for (auto& [k, v] : mf.params) store[k] = v;
    for (auto& [k, t] : mf.extra) store[k] = t.data;
    // Training state written by save(); a file without it is no training checkpoint.
    auto state = [&](const char* key) {
      auto it = mf.info.find(key);
      if (it == mf.info.end())
        throw Error(last_path + ": no training state '" + key + "' (not a segrt checkpoint)");
      try {
        return std::stod(it->second);
      } catch (const std::exception&) {
        throw Error(last_path + ": training state '" + key + "' is not a number: '" + it->second +
                    "'");
      }
    };
    start_epoch = static_cast<int>(state("epoch")) + 1;
    step = static_cast<int64_t>(state("step"));
    best = state("best_metric");
    best_epoch = static_cast<int>(state("best_epoch"));
    history = read_history(hist_path);
    history.resize(std::min<size_t>(history.size(), size_t(start_epoch)));
    if (!cfg.quiet)
      std::fprintf(stderr, "resuming %s at epoch %d\n", last_path.c_str(), start_epoch + 1);
  }
  check_params(g, store, true);
  for (auto& v : g.values())
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      prog->write(v.id, store.at(v.name));

  auto lr_sched = make_schedule(cfg.schedule, cfg.lr);
  const Goal goal = cfg.monitor == "loss" ? Goal::Min : Goal::Max;
  EarlyStopping stopper(cfg.patience > 0 ? cfg.patience : 1 << 30, goal);
  for (auto& r : history) {  // replay the schedule and early stopping of the resumed epochs
    lr_sched->observe(cfg.monitor == "loss" ? r.val_loss : r.val_dice);
    stopper.update(cfg.monitor == "loss" ? r.val_loss : r.val_dice);
  }

  const AugmentOptions aug = parse_augment(cfg.augment);
  const int steps_per_epoch = [&] {
    int s = static_cast<int>(split.train.size()) / cfg.batch;
    s = std::max(s, 1);
    return cfg.max_steps_per_epoch > 0 ? std::min(s, cfg.max_steps_per_epoch) : s;
  }();

  // Saves the model (parameters and running statistics) with the optimizer state beside it.
  auto save = [&](const std::string& path, int epoch) {
    for (auto& v : g.values())
      if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
        store[v.name] = prog->read(v.id);
    ParamStore model_params;
    TensorMap extra;
    for (auto& v : model_graph.values())
      if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
        model_params[v.name] = store.at(v.name);
    for (auto& v : g.values())
      if (v.kind == ValueKind::State && !model_params.count(v.name))
        extra[v.name] = Tensor{v.shape, store.at(v.name)};
    std::map<std::string, std::string> info = {
        {"epoch", std::to_string(epoch)},
        {"step", std::to_string(step)},
        {"best_metric", std::to_string(best)},
        {"best_epoch", std::to_string(best_epoch)},
        {"monitor", cfg.monitor},
        {"loss", loss.str()},
        {"optimizer", optim.str()},
        {"data.classes", std::to_string(K)},
        {"data.channels", std::to_string(ds.channels)},
        {"data.height", std::to_string(cfg.height)},
        {"data.width", std::to_string(cfg.width)},
        {"data.normalize", cfg.normalise},
        {"data.layout", ds.layout},
        {"data.axis", std::to_string(cfg.axis)},
        {"data.min_foreground", std::to_string(cfg.min_foreground)},
        {"data.keep_empty", std::to_string(cfg.keep_empty)},
        {"split.val", std::to_string(cfg.val_frac)},
        {"split.test", std::to_string(cfg.test_frac)},
        {"seed", std::to_string(cfg.seed)}};
    save_model(path, model_graph, model_params, info, extra);
  };

  TrainResult result;
  Progress progress;
  std::vector<float> hyper(2), keyv(1);
  for (int epoch = start_epoch; epoch < cfg.epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    const double lr = lr_sched->lr(epoch);
    std::vector<size_t> order = split.train;
    Rng shuffle_rng(mix_seed(cfg.seed, 1000 + epoch));
    shuffle_rng.shuffle(order);
    double loss_sum = 0;
    for (int s = 0; s < steps_per_epoch; ++s) {
      std::vector<Sample> chunk;
      for (int j = 0; j < cfg.batch; ++j) {
        size_t pos = (size_t(s) * cfg.batch + j) % order.size();
        Sample smp = ds.samples[order[pos]];
        Rng r(mix_seed(cfg.seed, epoch, order[pos]));
        augment(smp, aug, r);
        chunk.push_back(std::move(smp));
      }
      Batch b = make_batch(chunk, K, one_hot);
      ++step;
      hyper = {static_cast<float>(lr), static_cast<float>(step)};
      prog->write(image, b.images);
      prog->write(tg.target, b.targets);
      prog->write(tg.hyper, hyper);
      if (key >= 0) {
        keyv[0] = static_cast<float>(step % 16777216);
        prog->write(key, keyv);
      }
      prog->run();
      const double l = prog->read(tg.loss).at(0);
      if (!std::isfinite(l))
        throw Error("training diverged at epoch " + std::to_string(epoch + 1) + " step " +
                    std::to_string(step) + " (loss " + std::to_string(l) +
                    "); lower --lr or change --loss");
      loss_sum += l;
      result.step_losses.push_back(l);
      if (!cfg.quiet) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "epoch %d/%d  step %d/%d  loss %.4f", epoch + 1, cfg.epochs,
                      s + 1, steps_per_epoch, loss_sum / (s + 1));
        progress.update(buf, double(epoch - start_epoch) * steps_per_epoch + s + 1,
                        double(cfg.epochs - start_epoch) * steps_per_epoch);
      }
    }

    // Validation with the current weights.
    for (auto& v : g.values())
      if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
        store[v.name] = prog->read(v.id);
    eval.set_params(store);
    Evaluation ev = evaluate(eval, ds, split.val, false);
    const double val_loss = ev.loss;
    const MetricSummary& summary = ev.summary;
    EpochRecord rec;
    rec.epoch = epoch + 1;
    rec.lr = lr;
    rec.train_loss = loss_sum / steps_per_epoch;
    rec.val_loss = val_loss;
    rec.val_dice = summary.mean_foreground.dice;
    rec.val_iou = summary.mean_foreground.iou;
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    history.push_back(rec);
    const double metric = cfg.monitor == "loss" ? val_loss : rec.val_dice;
    lr_sched->observe(metric);
    const bool improved = stopper.update(metric);
    if (improved) {
      best = metric;
      best_epoch = epoch;
    }
    // Best, then the history, then last: a kill between any two still leaves a consistent
    // state, because resuming from last.segrt drops history rows past its epoch (the other
    // order could lose the row of the last checkpoint's epoch for good).
    if (improved) save(best_path, epoch);
    write_history(hist_path, history);
    save(last_path, epoch);
    if (!cfg.quiet) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "epoch %d/%d  lr %.2e  loss %.4f  val loss %.4f  val Dice %.4f  IoU %.4f  "
                    "%.1fs%s",
                    epoch + 1, cfg.epochs, lr, rec.train_loss, val_loss, rec.val_dice, rec.val_iou,
                    rec.seconds, improved ? "  (best)" : "");
      progress.finish(buf);
    }
    if (cfg.patience > 0 && stopper.should_stop()) {
      if (!cfg.quiet)
        std::fprintf(stderr, "early stopping: no improvement for %d epochs\n", cfg.patience);
      break;
    }
  }
  result.history = history;
  result.best_epoch = best_epoch;
  result.best_dice = best;
  result.best_path = best_path;
  result.last_path = last_path;
  return result;
}

}  // namespace segrt
