// segrt infer: segment 2-D images (mask + overlay PNGs) or NIfTI volumes (label volume).
#include <cstdio>
#include <filesystem>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/model_source.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/data/dataset.h"
#include "runtime/data/image_io.h"
#include "runtime/data/nifti.h"
#include "runtime/data/transform.h"
#include "runtime/metrics.h"
#include "runtime/train/predictor.h"

namespace fs = std::filesystem;

namespace segrt::app {
namespace {

bool is_nifti(const std::string& p) {
  return p.ends_with(".nii") || p.ends_with(".nii.gz") || p.ends_with(".hdr");
}

std::string stem_of(const std::string& p) {
  std::string s = fs::path(p).filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".png", ".jpg", ".jpeg", ".bmp", ".hdr"})
    if (s.ends_with(ext)) return s.substr(0, s.size() - std::string(ext).size());
  return fs::path(p).stem().string();
}

// Predicted labels of `samples` (already at the network size), resized back to (h, w).
std::vector<LabelMap> segment(Predictor& pred, const std::vector<Sample>& samples) {
  std::vector<LabelMap> out;
  for (size_t i = 0; i < samples.size(); i += pred.batch()) {
    std::vector<const Sample*> chunk;
    for (size_t j = i; j < std::min(samples.size(), i + pred.batch()); ++j)
      chunk.push_back(&samples[j]);
    Batch b = make_batch(chunk, 2, false);
    auto probs = pred.run(b.images.data(), static_cast<int>(chunk.size()));
    const int k = pred.out_channels(), h = chunk[0]->image.h, w = chunk[0]->image.w;
    for (size_t j = 0; j < chunk.size(); ++j)
      out.push_back(labels_from_scores(probs.data() + j * size_t(k) * h * w, k, h, w));
  }
  return out;
}

}  // namespace

int cmd_infer(const Argv& argv) {
  Args a("segrt infer", "segrt infer --model FILE.segrt --input FILE... --out DIR",
         {{"model", "FILE", "trained model (.segrt)"},
          {"input", "FILE",
           "image (PNG/JPEG/BMP) or volume (.nii/.nii.gz); repeat, or list "
           "files after the options"},
          {"out", "DIR", "output folder", "segrt-out"},
          {"batch", "N", "batch size", "4"},
          {"backend", "NAME", "cpu, vulkan, auto (a Vulkan GPU if present, else cpu)", "cpu"},
          {"precision", "P",
           "fp32, or fp16 (vulkan only: tensors stored as fp16, arithmetic in fp32)", "fp32"},
          {"threads", "N", "CPU threads (0: all cores)", "0"},
          {"no-overlay", "", "write only the masks"}});
  if (!a.parse(argv)) return 0;
  if (!a.has("model")) throw Error("segrt infer: --model is required\n" + a.usage());
  std::vector<std::string> inputs = a.all("input");
  for (auto& p : a.positional()) inputs.push_back(p);
  if (inputs.empty()) throw Error("segrt infer: no --input files given");
  if (a.integer("threads", 0) > 0) cpu::set_threads(a.integer("threads"));
  ModelSource m = open_model(a.str("model"));
  if (!m.from_file) throw Error("segrt infer: --model must be a trained .segrt file");
  const int h = m.info_int("data.height", 128), w = m.info_int("data.width", 128);
  const int classes = m.info_int("data.classes", 2);
  DatasetOptions dopt;
  dopt.classes = classes;
  dopt.normalize = m.info_str("data.normalize", "auto");
  dopt.axis = m.info_int("data.axis", 2);
  const int channels = m.info_int("data.channels", 0);
  Predictor pred(m.spec, a.integer("batch"), channels, h, w, a.str("backend"), Mode::Infer, nullptr,
                 parse_precision(a.str("precision")));
  pred.set_params(m.params);
  // The network's own input width, which a file lacking data.channels still fixes: an image
  // with other channels would be read past its end (or misaligned) by the predictor.
  const int64_t net_channels = pred.graph().value(pred.graph().get("image")).shape.at(1);
  auto check_channels = [&](const std::string& in, int c) {
    if (c != net_channels)
      throw Error(in + ": has " + std::to_string(c) + " channels, the model expects " +
                  std::to_string(net_channels));
  };
  fs::create_directories(a.str("out"));
  const int scale = classes > 2 ? 255 / (classes - 1) : 255;

  for (const std::string& in : inputs) {
    DatasetItem item{stem_of(in), in, ""};
    const std::string base = a.str("out") + "/" + item.id;
    if (is_nifti(in)) {
      std::vector<Sample> slices = load_nifti_item(item, dopt);
      if (slices.empty()) throw Error(in + ": no slices");
      check_channels(in, slices[0].image.c);
      const int sh = slices[0].image.h, sw = slices[0].image.w;
      std::vector<Sample> net;
      for (auto& s : slices) net.push_back(resize(s, h, w));
      auto labels = segment(pred, net);
      std::vector<LabelMap> back;
      for (auto& l : labels) back.push_back(resize_labels(l, sh, sw));
      Volume vol = volume_from_slices(back, dopt.axis, read_nifti(in).spacing);
      write_nifti(base + "_seg.nii.gz", vol, {.type = NiftiType::U8});
      std::printf("%s -> %s_seg.nii.gz (%zu slices)\n", in.c_str(), base.c_str(), labels.size());
      continue;
    }
    Sample s = load_folder_item(item, dopt);
    check_channels(in, s.image.c);
    auto labels = segment(pred, {resize(s, h, w)});
    LabelMap back = resize_labels(labels[0], s.image.h, s.image.w);
    write_label_png(base + "_mask.png", back, scale);
    if (!a.flag("no-overlay")) write_png(base + "_overlay.png", overlay(s.image, back));
    int64_t fg = 0;
    for (auto v : back.data) fg += v > 0;
    std::printf("%s -> %s_mask.png (%.1f%% foreground)\n", in.c_str(), base.c_str(),
                100.0 * double(fg) / double(back.data.size()));
  }
  return 0;
}

}  // namespace segrt::app
