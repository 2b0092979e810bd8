// segrt eval: metrics of a trained model on a data folder.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/model_source.h"
#include "graph/models/zoo.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/train/evaluate.h"

namespace segrt::app {
namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

nlohmann::json class_json(const MetricSummary::Class& c) {
  return {{"dice", num(c.dice)},
          {"iou", num(c.iou)},
          {"accuracy", num(c.accuracy)},
          {"sensitivity", num(c.sensitivity)},
          {"specificity", num(c.specificity)},
          {"precision", num(c.precision)},
          {"hd", num(c.hd)},
          {"hd95", num(c.hd95)}};
}

}  // namespace

int cmd_eval(const Argv& argv) {
  Args a("segrt eval",
         "segrt eval --model FILE.segrt --data DIR [--json] [--split all|test|val|train]",
         {{"model", "FILE", "trained model (.segrt)"},
          {"data", "DIR", "data folder, same layout as for training"},
          {"split", "PART", "all samples, or a part of the training run's split", "all"},
          {"batch", "N", "batch size", "8"},
          {"backend", "NAME", "cpu, vulkan, auto (a Vulkan GPU if present, else cpu)", "cpu"},
          {"precision", "P",
           "fp32, or fp16 (vulkan only: tensors stored as fp16, arithmetic in fp32)", "fp32"},
          {"min-foreground", "F",
           "NIfTI: drop slices with foreground fraction <= F (-1 keeps "
           "all; default: as in training)"},
          {"no-hd", "", "skip the Hausdorff distances (faster)"},
          {"threads", "N", "CPU threads (0: all cores)", "0"},
          {"json", "", "print one JSON object"}});
  if (!a.parse(argv)) return 0;
  if (!a.has("model") || !a.has("data"))
    throw Error("segrt eval: --model and --data are required\n" + a.usage());
  if (a.integer("threads", 0) > 0) cpu::set_threads(a.integer("threads"));
  ModelSource m = open_model(a.str("model"));
  if (!m.from_file) throw Error("segrt eval: --model must be a trained .segrt file");
  DatasetOptions dopt;
  dopt.classes = m.info_int("data.classes", 0);
  dopt.normalize = m.info_str("data.normalize", "auto");
  dopt.resize_h = m.info_int("data.height", 0);
  dopt.resize_w = m.info_int("data.width", 0);
  // NIfTI slicing as in training, so --split selects the same volumes and slices.
  dopt.axis = m.info_int("data.axis", 2);
  dopt.min_foreground = m.info_real("data.min_foreground", -1);
  dopt.keep_empty = m.info_real("data.keep_empty", 0);
  if (a.has("min-foreground")) dopt.min_foreground = a.real("min-foreground");
  Dataset ds = load_dataset(a.str("data"), dopt);
  if (ds.samples.empty()) throw Error(a.str("data") + ": the data set is empty");
  std::vector<size_t> idx;
  const std::string part = a.str("split");
  if (part == "all") {
    for (size_t i = 0; i < ds.samples.size(); ++i) idx.push_back(i);
  } else {
    const double val = m.info_real("split.val", 0.1);
    const double test = m.info_real("split.test", 0.1);
    Split s =
        split_dataset(ds, 1 - val - test, val, test, static_cast<uint64_t>(m.info_real("seed", 1)));
    if (part == "test")
      idx = s.test;
    else if (part == "val")
      idx = s.val;
    else if (part == "train")
      idx = s.train;
    else
      throw Error("segrt eval: --split is all, train, val or test");
  }
  if (idx.empty())
    throw Error("segrt eval: the " + part + " split of " + a.str("data") + " is empty");
  if (const int64_t in = parse_model_spec(m.spec).i("in"); ds.channels != in)
    throw Error(a.str("data") + ": the images have " + std::to_string(ds.channels) +
                " channels, the model " + a.str("model") + " expects " + std::to_string(in));
  const int batch = std::max(1, std::min<int>(a.integer("batch"), static_cast<int>(idx.size())));
  Predictor pred(m.spec, batch, ds.channels, dopt.resize_h, dopt.resize_w, a.str("backend"),
                 Mode::Infer, nullptr, parse_precision(a.str("precision")));
  pred.set_params(m.params);
  Evaluation ev = evaluate(pred, ds, idx, !a.flag("no-hd"));
  const MetricSummary& s = ev.summary;
  if (a.flag("json")) {
    nlohmann::json j = class_json(s.mean_foreground);
    j["model"] = a.str("model");
    j["data"] = a.str("data");
    j["split"] = part;
    j["images"] = s.images;
    j["pixel_accuracy"] = num(s.pixel_accuracy);
    nlohmann::json per = nlohmann::json::array();
    for (size_t k = 1; k < s.classes.size(); ++k) {
      nlohmann::json c = class_json(s.classes[k]);
      c["class"] = k;
      per.push_back(c);
    }
    j["per_class"] = per;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s on %s (%s, %lld images)\n", a.str("model").c_str(), a.str("data").c_str(),
                part.c_str(), static_cast<long long>(s.images));
    std::fputs(format_summary(s).c_str(), stdout);
  }
  return 0;
}

}  // namespace segrt::app
