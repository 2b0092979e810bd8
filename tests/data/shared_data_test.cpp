// The real data sets in ../shared/data (or $SEGRT_DATA): they load as the layouts say. Skipped,
// saying so, where the data are absent.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "runtime/data/dataset.h"
#include "runtime/data/nifti.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

std::string data_set(const char* name) {
  const std::string root = shared_data_dir();
  if (root.empty() || !std::filesystem::is_directory(std::filesystem::path(root) / name)) {
    std::printf("SKIPPED: ../shared/data not found (%s; set SEGRT_DATA to run this test)\n", name);
    return {};
  }
  return (std::filesystem::path(root) / name).string();
}

}  // namespace

TEST_CASE("shared data: MSD hippocampus volumes slice into multi-class samples") {
  const std::string dir = data_set("msd-hippocampus");
  if (dir.empty()) return;
  CHECK(detect_layout(dir) == "nifti");
  const auto items = list_items(dir, "nifti");
  CHECK(items.size() >= 100);
  const Volume v = read_nifti(items[0].image_path);
  CHECK(v.nx > 20);
  CHECK(v.spacing[0] == doctest::Approx(1.0));

  DatasetOptions opt;
  opt.limit = 3;
  opt.classes = 3;
  const Dataset ds = load_dataset(dir, opt);
  CHECK(ds.num_classes == 3);
  CHECK(ds.channels == 1);
  REQUIRE(!ds.samples.empty());
  int64_t counts[3] = {0, 0, 0};
  double sum = 0, n = 0;
  for (const Sample& s : ds.samples) {
    for (int32_t l : s.labels.data) ++counts[l];
    for (float x : s.image.data) sum += x, n += 1;
    CHECK(s.spacing_x == doctest::Approx(1.0));
  }
  CHECK(counts[1] > 0);
  CHECK(counts[2] > 0);
  CHECK(std::fabs(sum / n) < 1e-3);  // z-scored per volume

  opt.min_foreground = 0;
  const Dataset fg = load_dataset(dir, opt);
  CHECK(fg.samples.size() < ds.samples.size());
  for (const Sample& s : fg.samples) {
    bool any = false;
    for (int32_t l : s.labels.data) any |= l > 0;
    CHECK(any);
  }
  const Split sp = split_dataset(ds, 0.34, 0.33, 0.33, 1);
  CHECK(sp.train.size() + sp.val.size() + sp.test.size() == ds.samples.size());
}

TEST_CASE("shared data: DSB 2018 nuclei RGBA images with binary masks") {
  const std::string dir = data_set("dsb2018-nuclei");
  if (dir.empty()) return;
  CHECK(detect_layout(dir) == "folder");
  CHECK(list_items(dir, "folder").size() >= 100);
  DatasetOptions opt;
  opt.limit = 3;
  opt.resize_h = opt.resize_w = 128;
  const Dataset ds = load_dataset(dir, opt);
  REQUIRE(ds.samples.size() == 3);
  CHECK(ds.channels == 3);  // constant alpha dropped
  CHECK(ds.num_classes == 2);
  for (const Sample& s : ds.samples) {
    CHECK(s.image.h == 128);
    int64_t fg = 0;
    for (int32_t l : s.labels.data) fg += l;
    CHECK(fg > 0);
    CHECK(fg < int64_t(s.labels.data.size()));
    for (float x : s.image.data) CHECK((x >= 0.f && x <= 1.f));
  }
}

}  // namespace segrt::test
