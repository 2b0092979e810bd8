#include "runtime/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <map>
#include <set>

#include "graph/ir.h"
#include "runtime/data/image_io.h"
#include "runtime/data/nifti.h"
#include "runtime/data/rng.h"
#include "runtime/data/transform.h"

namespace fs = std::filesystem;

namespace segrt {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_nifti_name(const std::string& name) {
  const std::string l = lower(name);
  return l.ends_with(".nii") || l.ends_with(".nii.gz");
}
bool is_image_name(const std::string& name) {
  const std::string l = lower(name);
  return l.ends_with(".png") || l.ends_with(".jpg") || l.ends_with(".jpeg") || l.ends_with(".bmp");
}
std::string stem_of(const std::string& name) {
  const std::string l = lower(name);
  if (l.ends_with(".nii.gz")) return name.substr(0, name.size() - 7);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

// stem -> path of the files in `dir` that `accept` (hidden files skipped); duplicates are an
// Error because a stem must name one file.
std::map<std::string, std::string> files_by_stem(const fs::path& dir,
                                                 bool (*accept)(const std::string&)) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !it->is_regular_file() || !accept(name)) continue;
    const std::string stem = stem_of(name);
    auto [pos, fresh] = out.emplace(stem, it->path().string());
    if (!fresh)
      throw Error(it->path().string() + ": two files in " + dir.string() + " share the name '" +
                  stem + "' (" + pos->second + ")");
  }
  if (ec) throw Error(dir.string() + ": cannot list folder (" + ec.message() + ")");
  return out;
}

bool has_files(const fs::path& dir, bool (*accept)(const std::string&)) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && accept(it->path().filename().string())) return true;
  return false;
}

bool plane_constant(const Image& img, int ch) {
  const float* p = img.plane(ch);
  const size_t n = size_t(img.h) * img.w;
  return std::all_of(p, p + n, [&](float v) { return v == p[0]; });
}

Image take_planes(const Image& img, std::initializer_list<int> planes) {
  Image out(int(planes.size()), img.h, img.w);
  int k = 0;
  for (int ch : planes) std::copy_n(img.plane(ch), size_t(img.h) * img.w, out.plane(k++));
  return out;
}

Image to_channels(const Image& img, const std::string& mode, const std::string& path) {
  const bool alpha = img.c == 2 || img.c == 4;
  auto need_constant_alpha = [&] {
    if (!plane_constant(img, img.c - 1))
      throw Error(path +
                  ": alpha channel is not constant; dropping it would lose information "
                  "(use channels=auto or rgba)");
  };
  if (mode == "auto") {
    if (alpha && plane_constant(img, img.c - 1))
      return img.c == 2 ? take_planes(img, {0}) : take_planes(img, {0, 1, 2});
    return img;
  }
  if (mode == "grey") {
    if (alpha) need_constant_alpha();
    if (img.c <= 2) return take_planes(img, {0});
    Image out(1, img.h, img.w);
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = 0.299f * img.plane(0)[i] + 0.587f * img.plane(1)[i] + 0.114f * img.plane(2)[i];
    return out;
  }
  if (mode == "rgb") {
    if (alpha) need_constant_alpha();
    return img.c <= 2 ? take_planes(img, {0, 0, 0}) : take_planes(img, {0, 1, 2});
  }
  if (mode == "rgba") {
    if (img.c != 4)
      throw Error(path + ": has " + std::to_string(img.c) + " channels, channels=rgba needs 4");
    return img;
  }
  throw Error("dataset: unknown channels option '" + mode + "' (auto, grey, rgb, rgba)");
}

// Per-channel normalisation of `n`-value planes.
void normalise(float* p, size_t n, const std::string& mode, float unit_max,
               const std::string& where) {
  if (mode == "none") return;
  if (mode == "unit") {
    for (size_t i = 0; i < n; ++i) p[i] /= unit_max;
    return;
  }
  double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) throw Error(where + ": non-finite intensity values");
    lo = std::min<double>(lo, p[i]);
    hi = std::max<double>(hi, p[i]);
    sum += p[i];
  }
  if (mode == "minmax") {
    const double s = hi > lo ? 1.0 / (hi - lo) : 0.0;
    for (size_t i = 0; i < n; ++i) p[i] = float((p[i] - lo) * s);
    return;
  }
  if (mode == "zscore") {
    const double mean = sum / double(n);
    for (size_t i = 0; i < n; ++i) sq += (p[i] - mean) * (p[i] - mean);
    const double sd = std::sqrt(sq / double(n));
    const double s = sd > 0 ? 1.0 / sd : 1.0;  // a constant image only loses its mean
    for (size_t i = 0; i < n; ++i) p[i] = float((p[i] - mean) * s);
    return;
  }
  throw Error("dataset: unknown normalize option '" + mode + "' (unit, zscore, minmax, none)");
}

LabelMap read_mask(const std::string& path, int classes) {
  ImageInfo info;
  const Image m = read_image(path, &info);
  const int colour = (m.c == 2 || m.c == 4) ? m.c - 1 : m.c;  // alpha ignored
  const size_t n = size_t(m.h) * m.w;
  for (int ch = 1; ch < colour; ++ch)
    if (!std::equal(m.plane(0), m.plane(0) + n, m.plane(ch)))
      throw Error(path + ": mask is not grey (its colour channels differ)");
  const float* g = m.plane(0);
  LabelMap lab(m.h, m.w);
  if (classes <= 2) {
    const float maxv = *std::max_element(g, g + n);
    // Masks stored as 0/1 class indices would vanish under the > half threshold.
    const float thr = maxv <= 1.f ? 0.5f : info.max_value() / 2;
    for (size_t i = 0; i < n; ++i) lab.data[i] = g[i] > thr ? 1 : 0;
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (g[i] >= float(classes))
        throw Error(path + ": mask value " + std::to_string(int(g[i])) + " is not a class index " +
                    "0.." + std::to_string(classes - 1) + " (classes=" + std::to_string(classes) +
                    ")");
      lab.data[i] = int32_t(g[i]);
    }
  }
  return lab;
}

std::string resolve_normalize(const DatasetOptions& opt, const std::string& layout) {
  if (opt.normalize != "auto") return opt.normalize;
  return layout == "nifti" ? "zscore" : "unit";
}

// The 2-D plane of volume channel t at `index` along `axis`: rows and columns are the two
// remaining axes, the later one as rows (axis 2: rows y, columns x).
void slice_dims(const Volume& v, int axis, int64_t& h, int64_t& w) {
  const int64_t n[3] = {v.nx, v.ny, v.nz};
  const int a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;
  w = n[a];
  h = n[b];
}
float voxel(const Volume& v, int axis, int64_t index, int64_t row, int64_t col, int64_t t) {
  switch (axis) {
    case 0:
      return v.at(index, col, row, t);
    case 1:
      return v.at(col, index, row, t);
    default:
      return v.at(col, row, index, t);
  }
}

}  // namespace

std::string detect_layout(const std::string& dir) {
  const fs::path root(dir);
  if (!fs::is_directory(root)) throw Error(dir + ": data folder not found");
  const fs::path images = root / "images";
  if (!fs::is_directory(images))
    throw Error(dir +
                ": cannot tell the data layout: no images/ folder (expected images/ with "
                "masks/ for 2-D data, or images/ with labels/ for NIfTI volumes)");
  if (has_files(images, is_nifti_name)) {
    if (!fs::is_directory(root / "labels"))
      throw Error((root / "labels").string() + ": missing labels folder for the NIfTI volumes in " +
                  images.string());
    return "nifti";
  }
  if (has_files(images, is_image_name)) {
    if (!fs::is_directory(root / "masks"))
      throw Error((root / "masks").string() + ": missing masks folder for the images in " +
                  images.string());
    return "folder";
  }
  throw Error(images.string() + ": no PNG/JPEG/BMP images or NIfTI volumes found");
}

std::vector<DatasetItem> list_items(const std::string& dir, const std::string& layout) {
  const fs::path root(dir);
  const bool nifti = layout == "nifti";
  if (!nifti && layout != "folder")
    throw Error("dataset: unknown layout '" + layout + "' (auto, folder, nifti)");
  const fs::path images = root / "images", labels = root / (nifti ? "labels" : "masks");
  for (const fs::path& p : {images, labels})
    if (!fs::is_directory(p)) throw Error(p.string() + ": folder not found");
  auto accept = nifti ? is_nifti_name : is_image_name;
  const auto imgs = files_by_stem(images, accept);
  const auto labs = files_by_stem(labels, accept);
  std::vector<DatasetItem> items;
  for (const auto& [stem, path] : imgs) {
    auto it = labs.find(stem);
    if (it == labs.end())
      throw Error(path + ": no " + (nifti ? "label volume" : "mask") + " named '" + stem +
                  ".*' in " + labels.string());
    items.push_back({stem, path, it->second});
  }
  for (const auto& [stem, path] : labs)
    if (!imgs.count(stem))
      throw Error(path + ": no image named '" + stem + ".*' in " + images.string());
  if (items.empty()) throw Error(images.string() + ": no images found");
  return items;
}

Sample load_folder_item(const DatasetItem& item, const DatasetOptions& opt) {
  ImageInfo info;
  const Image raw = read_image(item.image_path, &info);
  Sample s;
  s.id = s.group = item.id;
  s.image = to_channels(raw, opt.channels, item.image_path);
  // No label file (segmenting new images): an all-background map of the image's size.
  s.labels = item.label_path.empty() ? LabelMap(s.image.h, s.image.w)
                                     : read_mask(item.label_path, opt.classes);
  if (s.labels.h != s.image.h || s.labels.w != s.image.w)
    throw Error(item.label_path + ": mask is " + std::to_string(s.labels.h) + "x" +
                std::to_string(s.labels.w) + " but image " + item.image_path + " is " +
                std::to_string(s.image.h) + "x" + std::to_string(s.image.w));
  const std::string norm = resolve_normalize(opt, "folder");
  for (int ch = 0; ch < s.image.c; ++ch)
    normalise(s.image.plane(ch), size_t(s.image.h) * s.image.w, norm, info.max_value(),
              item.image_path);
  if (opt.resize_h > 0 && opt.resize_w > 0) s = resize(s, opt.resize_h, opt.resize_w);
  return s;
}

std::vector<Sample> load_nifti_item(const DatasetItem& item, const DatasetOptions& opt) {
  if (opt.axis < 0 || opt.axis > 2)
    throw Error("dataset: slicing axis " + std::to_string(opt.axis) + " is not 0, 1 or 2");
  Volume img = read_nifti(item.image_path);
  // No label file (segmenting new volumes): all background.
  const Volume lab =
      item.label_path.empty() ? Volume(img.nx, img.ny, img.nz) : read_nifti(item.label_path);
  if (lab.nt != 1)
    throw Error(item.label_path + ": label volume has " + std::to_string(lab.nt) +
                " components, expected 1");
  if (img.nx != lab.nx || img.ny != lab.ny || img.nz != lab.nz)
    throw Error(item.label_path + ": label volume " + std::to_string(lab.nx) + "x" +
                std::to_string(lab.ny) + "x" + std::to_string(lab.nz) + " does not match image " +
                item.image_path + " (" + std::to_string(img.nx) + "x" + std::to_string(img.ny) +
                "x" + std::to_string(img.nz) + ")");
  for (float v : lab.data)
    if (!(v >= 0) || v != std::floor(v) || (opt.classes > 0 && v >= float(opt.classes)))
      throw Error(item.label_path + ": label value " + std::to_string(v) + " is not a class index" +
                  (opt.classes > 0 ? " 0.." + std::to_string(opt.classes - 1) : std::string()));

  const std::string norm = resolve_normalize(opt, "nifti");
  if (norm == "unit")
    throw Error(item.image_path + ": normalize=unit is for 8/16-bit images; use zscore or minmax");
  for (int64_t t = 0; t < img.nt; ++t)
    normalise(img.data.data() + size_t(t * img.voxels()), size_t(img.voxels()), norm, 1.f,
              item.image_path);

  int64_t h, w;
  slice_dims(img, opt.axis, h, w);
  const int64_t count = opt.axis == 0 ? img.nx : opt.axis == 1 ? img.ny : img.nz;
  const double sp[3] = {img.spacing[0], img.spacing[1], img.spacing[2]};
  const int a = opt.axis == 0 ? 1 : 0, b = opt.axis == 2 ? 1 : 2;

  std::vector<Sample> out;
  int64_t dropped = 0;
  for (int64_t k = 0; k < count; ++k) {
    Sample s;
    s.labels = LabelMap(int(h), int(w));
    int64_t fg = 0;
    for (int64_t r = 0; r < h; ++r)
      for (int64_t c = 0; c < w; ++c) {
        const int32_t l = int32_t(voxel(lab, opt.axis, k, r, c, 0));
        s.labels.at(int(r), int(c)) = l;
        fg += l > 0;
      }
    if (opt.min_foreground >= 0 && double(fg) <= opt.min_foreground * double(h * w)) {
      // Keep a `keep_empty` fraction of the dropped slices, spread evenly.
      const bool keep = std::floor(double(dropped + 1) * opt.keep_empty) >
                        std::floor(double(dropped) * opt.keep_empty);
      ++dropped;
      if (!keep) continue;
    }
    s.image = Image(int(img.nt), int(h), int(w));
    for (int64_t t = 0; t < img.nt; ++t)
      for (int64_t r = 0; r < h; ++r)
        for (int64_t c = 0; c < w; ++c)
          s.image.at(int(t), int(r), int(c)) = voxel(img, opt.axis, k, r, c, t);
    s.spacing_y = sp[b];
    s.spacing_x = sp[a];
    char buf[32];
    std::snprintf(buf, sizeof buf, ":%c%03lld", "xyz"[opt.axis], static_cast<long long>(k));
    s.id = item.id + buf;
    s.group = item.id;
    if (opt.resize_h > 0 && opt.resize_w > 0) s = resize(s, opt.resize_h, opt.resize_w);
    out.push_back(std::move(s));
  }
  return out;
}

Dataset load_dataset(const std::string& dir, const DatasetOptions& opt) {
  Dataset ds;
  ds.root = dir;
  ds.layout = opt.layout == "auto" ? detect_layout(dir) : opt.layout;
  std::vector<DatasetItem> items = list_items(dir, ds.layout);
  if (opt.limit > 0 && items.size() > opt.limit) items.resize(opt.limit);
  // Files decode in parallel; the first failure in file order is the one reported.
  std::vector<std::vector<Sample>> loaded(items.size());
  std::vector<std::exception_ptr> failed(items.size());
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < items.size(); ++i) {
    try {
      if (ds.layout == "nifti")
        loaded[i] = load_nifti_item(items[i], opt);
      else
        loaded[i].push_back(load_folder_item(items[i], opt));
    } catch (...) {
      failed[i] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
  const DatasetItem* first = nullptr;
  for (size_t i = 0; i < items.size(); ++i)
    for (Sample& s : loaded[i]) {
      if (ds.channels == 0) {
        ds.channels = s.image.c;
        first = &items[i];
      } else if (s.image.c != ds.channels) {
        throw Error(items[i].image_path + ": has " + std::to_string(s.image.c) +
                    " channels after conversion but " + first->image_path + " has " +
                    std::to_string(ds.channels) + " (set the channels option to grey or rgb)");
      }
      ds.samples.push_back(std::move(s));
    }
  if (opt.classes > 0) {
    ds.num_classes = std::max(2, opt.classes);
  } else {
    int32_t mx = 1;
    for (const Sample& s : ds.samples)
      for (int32_t l : s.labels.data) mx = std::max(mx, l);
    ds.num_classes = ds.layout == "nifti" ? int(mx) + 1 : 2;
  }
  return ds;
}

Volume volume_from_slices(const std::vector<LabelMap>& slices, int axis,
                          const std::array<double, 3>& spacing) {
  if (axis < 0 || axis > 2)
    throw Error("volume_from_slices: axis " + std::to_string(axis) + " is not 0, 1 or 2");
  if (slices.empty()) throw Error("volume_from_slices: no slices");
  const int h = slices[0].h, w = slices[0].w;
  const int64_t n = int64_t(slices.size());
  // Rows are the later remaining axis, columns the earlier (as in slicing).
  const int64_t nx = axis == 0 ? n : w;
  const int64_t ny = axis == 0 ? w : axis == 1 ? n : h;
  const int64_t nz = axis == 2 ? n : h;
  Volume v(nx, ny, nz);
  v.spacing = spacing;
  v.stored_type = NiftiType::U8;
  for (int64_t k = 0; k < n; ++k) {
    const LabelMap& s = slices[size_t(k)];
    if (s.h != h || s.w != w)
      throw Error("volume_from_slices: slice " + std::to_string(k) + " is " + std::to_string(s.h) +
                  "x" + std::to_string(s.w) + ", slice 0 is " + std::to_string(h) + "x" +
                  std::to_string(w));
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        const float l = float(s.at(r, c));
        if (axis == 0)
          v.at(k, c, r) = l;
        else if (axis == 1)
          v.at(c, k, r) = l;
        else
          v.at(c, r, k) = l;
      }
  }
  return v;
}

Split split_dataset(const Dataset& ds, double train, double val, double test, uint64_t seed) {
  if (train < 0 || val < 0 || test < 0 || std::fabs(train + val + test - 1.0) > 1e-6)
    throw Error("split: fractions " + std::to_string(train) + ", " + std::to_string(val) + ", " +
                std::to_string(test) + " must be >= 0 and sum to 1");
  // Groups in name order, then shuffled by the seed: independent of file-system order.
  std::set<std::string> names;
  for (const Sample& s : ds.samples) names.insert(s.group);
  std::vector<std::string> groups(names.begin(), names.end());
  Rng rng(seed);
  rng.shuffle(groups);
  const size_t n = groups.size();
  size_t n_train = std::min(n, size_t(std::llround(train * double(n))));
  size_t n_val = std::min(n - n_train, size_t(std::llround(val * double(n))));
  if (test == 0) n_val = n - n_train;  // rounding must not invent a test set
  std::map<std::string, int> side;
  for (size_t i = 0; i < n; ++i) side[groups[i]] = i < n_train ? 0 : i < n_train + n_val ? 1 : 2;
  Split sp;
  for (size_t i = 0; i < ds.samples.size(); ++i) {
    const int k = side[ds.samples[i].group];
    (k == 0 ? sp.train : k == 1 ? sp.val : sp.test).push_back(i);
  }
  return sp;
}

Dataset subset(const Dataset& ds, const std::vector<size_t>& indices) {
  Dataset out;
  out.root = ds.root;
  out.layout = ds.layout;
  out.num_classes = ds.num_classes;
  out.channels = ds.channels;
  for (size_t i : indices) {
    if (i >= ds.samples.size())
      throw Error("subset: index " + std::to_string(i) + " beyond " +
                  std::to_string(ds.samples.size()) + " samples");
    out.samples.push_back(ds.samples[i]);
  }
  return out;
}

}  // namespace segrt
