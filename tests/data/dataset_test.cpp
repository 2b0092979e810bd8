// Data sets: the 2-D folder and NIfTI layouts, their options, their errors, and the split.
#include "runtime/data/dataset.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "graph/ir.h"
#include "runtime/data/image_io.h"
#include "runtime/data/nifti.h"
#include "tests/data/test_util.h"

namespace fs = std::filesystem;

namespace segrt::test {
namespace {

// DIR/images/NAME.png (c channels, alpha 255) and DIR/masks/NAME.png (0/255 square).
void put_pair(const TempDir& dir, const std::string& name, int c, int h, int w, int mh = 0,
              int mw = 0) {
  fs::create_directories(dir.path() / "images");
  fs::create_directories(dir.path() / "masks");
  Image img(c, h, w);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        img.at(ch, y, x) = ch == 3 ? 255.f : float((y * w + x + ch) % 256);
  write_png(dir / ("images/" + name + ".png"), img);
  LabelMap m(mh ? mh : h, mw ? mw : w);
  m.at(1, 1) = m.at(1, 2) = 1;
  write_label_png(dir / ("masks/" + name + ".png"), m);
}

// DIR/images/NAME.nii.gz and DIR/labels/NAME.nii.gz: nz slices, foreground only in slice 1.
void put_volume(const TempDir& dir, const std::string& name, int64_t nx, int64_t ny, int64_t nz,
                int64_t lab_nx = 0) {
  fs::create_directories(dir.path() / "images");
  fs::create_directories(dir.path() / "labels");
  Volume v(nx, ny, nz);
  for (size_t i = 0; i < v.data.size(); ++i) v.data[i] = float((i * 7919) % 101);
  v.spacing = {0.5, 0.75, 3.0};
  write_nifti(dir / ("images/" + name + ".nii.gz"), v, {NiftiType::I16, false});
  Volume l(lab_nx ? lab_nx : nx, ny, nz);
  l.spacing = v.spacing;
  l.at(1, 0, 1) = 1;
  l.at(2, 1, 1) = 2;
  write_nifti(dir / ("labels/" + name + ".nii.gz"), l, {NiftiType::U8, false});
}

}  // namespace

TEST_CASE("dataset: 2-D folder with RGBA images, binary masks, unit intensities") {
  TempDir dir;
  put_pair(dir, "b", 4, 4, 5);
  put_pair(dir, "a", 4, 4, 5);
  std::filesystem::create_directories(dir.path() / "images/.hidden");
  CHECK(detect_layout(dir.path().string()) == "folder");
  const Dataset ds = load_dataset(dir.path().string());
  CHECK(ds.layout == "folder");
  CHECK(ds.channels == 3);  // constant alpha dropped
  CHECK(ds.num_classes == 2);
  REQUIRE(ds.samples.size() == 2);
  const Sample& s = ds.samples[0];
  CHECK(s.id == "a");
  CHECK(s.group == "a");
  CHECK(s.image.c == 3);
  CHECK(s.image.at(1, 2, 3) == doctest::Approx(float(2 * 5 + 3 + 1) / 255.f));
  CHECK(s.labels.at(1, 1) == 1);
  CHECK(s.labels.at(0, 0) == 0);
  CHECK(s.spacing_x == 1.0);

  DatasetOptions grey;
  grey.channels = "grey";
  grey.normalize = "minmax";
  grey.resize_h = 8;
  grey.resize_w = 10;
  const Dataset g = load_dataset(dir.path().string(), grey);
  CHECK(g.channels == 1);
  CHECK(g.samples[0].image.h == 8);
  CHECK(g.samples[0].labels.w == 10);
  CHECK(g.samples[0].spacing_x == doctest::Approx(0.5));
  float lo = 1e9f, hi = -1e9f;
  for (float v : g.samples[0].image.data) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo == doctest::Approx(0.f));
  CHECK(hi == doctest::Approx(1.f));
}

TEST_CASE("dataset: multi-class masks and 0/1 masks") {
  TempDir dir;
  put_pair(dir, "x", 1, 3, 3);
  LabelMap m(3, 3);
  m.at(0, 0) = 1;
  m.at(2, 2) = 2;
  write_label_png(dir / "masks/x.png", m, 1);
  DatasetOptions opt;
  opt.classes = 3;
  const Dataset ds = load_dataset(dir.path().string(), opt);
  CHECK(ds.num_classes == 3);
  CHECK(ds.samples[0].labels.at(0, 0) == 1);
  CHECK(ds.samples[0].labels.at(2, 2) == 2);
  CHECK(ds.samples[0].labels.at(1, 1) == 0);
  opt.classes = 0;
  m.at(2, 2) = 1;
  write_label_png(dir / "masks/x.png", m, 1);  // a 0/1 mask: taken as class indices
  const Dataset b = load_dataset(dir.path().string(), opt);
  CHECK(b.samples[0].labels.at(0, 0) == 1);
  CHECK(b.samples[0].labels.at(2, 2) == 1);
  m.at(2, 2) = 5;
  write_label_png(dir / "masks/x.png", m, 1);
  opt.classes = 3;
  SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string(), opt), "x.png");
}

TEST_CASE("dataset: folder errors name the file or folder") {
  {
    TempDir dir;
    put_pair(dir, "a", 3, 4, 4);
    fs::remove_all(dir.path() / "masks");
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "masks");
  }
  {
    TempDir dir;
    put_pair(dir, "a", 3, 4, 4);
    put_pair(dir, "lonely", 3, 4, 4);
    fs::remove(dir.path() / "masks/lonely.png");
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "lonely.png");
  }
  {
    TempDir dir;
    put_pair(dir, "odd", 3, 4, 4, 4, 5);
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "odd.png");
  }
  {
    TempDir dir;
    put_pair(dir, "a_rgb", 3, 4, 4);
    put_pair(dir, "b_grey", 1, 4, 4);
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "b_grey.png");
    DatasetOptions rgb;
    rgb.channels = "rgb";
    const Dataset ds = load_dataset(dir.path().string(), rgb);
    CHECK(ds.channels == 3);
    CHECK(ds.samples[1].image.at(0, 2, 1) == ds.samples[1].image.at(2, 2, 1));
    DatasetOptions rgba;
    rgba.channels = "rgba";
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string(), rgba), "a_rgb.png");
  }
  {
    TempDir dir;
    put_pair(dir, "alpha", 4, 4, 4);
    Image img = read_image(dir / "images/alpha.png");
    img.at(3, 0, 0) = 0;
    write_png(dir / "images/alpha.png", img);
    CHECK(load_dataset(dir.path().string()).channels == 4);  // varying alpha kept
    DatasetOptions rgb;
    rgb.channels = "rgb";
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string(), rgb), "alpha.png");
  }
  {
    TempDir dir;
    put_pair(dir, "c", 3, 4, 4);
    Image colour(3, 4, 4);
    colour.at(0, 0, 0) = 255;
    write_png(dir / "masks/c.png", colour);
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "c.png");
  }
  TempDir empty;
  SEGRT_CHECK_ERROR_HAS(load_dataset(empty.path().string()), "images");
  SEGRT_CHECK_ERROR_HAS(load_dataset(empty / "nowhere"), "nowhere");
}

TEST_CASE("dataset: NIfTI volumes sliced, normalised per volume, spacing kept") {
  TempDir dir;
  put_volume(dir, "v1", 4, 3, 5);
  put_volume(dir, "v2", 4, 3, 5);
  CHECK(detect_layout(dir.path().string()) == "nifti");
  const Dataset ds = load_dataset(dir.path().string());
  CHECK(ds.layout == "nifti");
  CHECK(ds.num_classes == 3);
  CHECK(ds.channels == 1);
  REQUIRE(ds.samples.size() == 10);
  const Sample& s = ds.samples[1];  // v1, z = 1
  CHECK(s.id == "v1:z001");
  CHECK(s.group == "v1");
  CHECK(s.image.h == 3);  // rows = y
  CHECK(s.image.w == 4);  // columns = x
  CHECK(s.spacing_y == doctest::Approx(0.75));
  CHECK(s.spacing_x == doctest::Approx(0.5));
  CHECK(s.labels.at(0, 1) == 1);
  CHECK(s.labels.at(1, 2) == 2);

  // z-score over the whole volume: the 5 slices of v1 together have mean 0, variance 1.
  double sum = 0, sq = 0, n = 0;
  for (int k = 0; k < 5; ++k)
    for (float v : ds.samples[size_t(k)].image.data) sum += v, sq += double(v) * v, n += 1;
  CHECK(sum / n == doctest::Approx(0).epsilon(1e-6).scale(1));
  CHECK(sq / n == doctest::Approx(1).epsilon(1e-5));
  // Pixel (r, c) of slice k is voxel (c, r, k).
  DatasetOptions none;
  none.normalize = "none";
  const Dataset raw_ds = load_dataset(dir.path().string(), none);
  const Volume raw = read_nifti(dir / "images/v1.nii.gz");
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) CHECK(raw_ds.samples[3].image.at(0, r, c) == raw.at(c, r, 3));

  DatasetOptions opt;
  opt.axis = 0;
  opt.normalize = "minmax";
  const Dataset a0 = load_dataset(dir.path().string(), opt);
  REQUIRE(a0.samples.size() == 8);
  CHECK(a0.samples[0].image.h == 5);  // rows = z
  CHECK(a0.samples[0].image.w == 3);  // columns = y
  CHECK(a0.samples[0].spacing_y == doctest::Approx(3.0));
  CHECK(a0.samples[1].labels.at(1, 0) == 1);  // voxel (1, 0, 1)

  opt = {};
  opt.min_foreground = 0;
  CHECK(load_dataset(dir.path().string(), opt).samples.size() == 2);
  opt.keep_empty = 0.5;  // 2 of the 4 empty slices of each volume
  CHECK(load_dataset(dir.path().string(), opt).samples.size() == 6);
  opt = {};
  opt.classes = 2;
  SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string(), opt), "v1.nii.gz");
}

TEST_CASE("dataset: slices stack back into the label volume") {
  TempDir dir;
  put_volume(dir, "v", 4, 3, 5);
  const Volume truth = read_nifti(dir / "labels/v.nii.gz");
  for (int axis = 0; axis < 3; ++axis) {
    CAPTURE(axis);
    DatasetOptions opt;
    opt.axis = axis;
    const Dataset ds = load_dataset(dir.path().string(), opt);
    std::vector<LabelMap> maps;
    for (const Sample& s : ds.samples) maps.push_back(s.labels);
    const Volume v = volume_from_slices(maps, axis, truth.spacing);
    CHECK(v.nx == truth.nx);
    CHECK(v.ny == truth.ny);
    CHECK(v.nz == truth.nz);
    CHECK(v.data == truth.data);
    write_nifti(dir / "pred.nii.gz", v, {NiftiType::U8, false});
    CHECK(read_nifti(dir / "pred.nii.gz").data == truth.data);
  }
  SEGRT_CHECK_ERROR_HAS(volume_from_slices({LabelMap(2, 2), LabelMap(2, 3)}, 2, {1, 1, 1}),
                        "slice 1");
}

TEST_CASE("dataset: NIfTI errors name the file") {
  {
    TempDir dir;
    put_volume(dir, "bad", 4, 3, 2, 5);
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "bad.nii.gz");
  }
  {
    TempDir dir;
    put_volume(dir, "v", 4, 3, 2);
    fs::remove_all(dir.path() / "labels");
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "labels");
  }
  {
    TempDir dir;
    put_volume(dir, "frac", 4, 3, 2);
    Volume l(4, 3, 2);
    l.data[3] = 0.5f;
    write_nifti(dir / "labels/frac.nii.gz", l);
    SEGRT_CHECK_ERROR_HAS(load_dataset(dir.path().string()), "frac.nii.gz");
  }
}

TEST_CASE("dataset: split by group is deterministic and never splits a volume") {
  Dataset ds;
  for (int g = 0; g < 20; ++g)
    for (int k = 0; k < 3; ++k) {
      Sample s;
      s.group = "vol" + std::to_string(g);
      s.id = s.group + ":" + std::to_string(k);
      ds.samples.push_back(s);
    }
  const Split a = split_dataset(ds, 0.8, 0.1, 0.1, 42);
  const Split b = split_dataset(ds, 0.8, 0.1, 0.1, 42);
  const Split c = split_dataset(ds, 0.8, 0.1, 0.1, 43);
  CHECK(a.train == b.train);
  CHECK(a.val == b.val);
  CHECK(a.test == b.test);
  CHECK((a.train != c.train || a.val != c.val));
  CHECK(a.train.size() == 48);
  CHECK(a.val.size() == 6);
  CHECK(a.test.size() == 6);
  std::set<std::string> tr, va, te;
  for (size_t i : a.train) tr.insert(ds.samples[i].group);
  for (size_t i : a.val) va.insert(ds.samples[i].group);
  for (size_t i : a.test) te.insert(ds.samples[i].group);
  for (const std::string& g : va) CHECK(!tr.count(g));
  for (const std::string& g : te) CHECK((!tr.count(g) && !va.count(g)));
  CHECK(subset(ds, a.val).samples.size() == 6);
  SEGRT_CHECK_ERROR_HAS(split_dataset(ds, 0.8, 0.3, 0.1, 1), "sum to 1");
  SEGRT_CHECK_ERROR_HAS(subset(ds, {60}), "60");
}

}  // namespace segrt::test
