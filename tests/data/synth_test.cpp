// Synthetic phantoms: determinism, the folder round trip, and that the labels are visible in
// the contrasts (the signal a network has to learn).
#include "runtime/data/synth.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "graph/ir.h"
#include "runtime/data/dataset.h"
#include "runtime/data/image_io.h"
#include "runtime/metrics.h"
#include "tests/data/test_util.h"

namespace fs = std::filesystem;

namespace segrt::test {

TEST_CASE("synth: same seed, same bytes; another seed, other pictures") {
  TempDir a, b, c;
  SynthOptions opt;
  opt.count = 3;
  opt.height = opt.width = 48;
  opt.seed = 9;
  write_synth_dataset(a.path().string(), opt);
  write_synth_dataset(b.path().string(), opt);
  opt.seed = 10;
  write_synth_dataset(c.path().string(), opt);
  for (const char* f : {"images/synth_0000.png", "masks/synth_0000.png", "images/synth_0002.png"}) {
    CAPTURE(f);
    const auto x = file_bytes(a / f);
    CHECK(!x.empty());
    CHECK(x == file_bytes(b / f));
    CHECK(x != file_bytes(c / f));
  }
  // Samples are independent of the count: sample 1 of a set of 3 is sample 1 of a set of 9.
  opt.seed = 9;
  opt.count = 9;
  const Sample s1 = synth_sample(opt, 1);
  const Image back = read_image(a / "images/synth_0001.png");
  REQUIRE(back.data.size() == s1.image.data.size());
  for (size_t k = 0; k < back.data.size(); ++k) CHECK(back.data[k] == s1.image.data[k] * 255.f);
}

TEST_CASE("synth: the folder layout reads back to the same samples") {
  TempDir dir;
  SynthOptions opt;
  opt.count = 2;
  opt.height = 40;
  opt.width = 56;
  opt.channels = 4;
  opt.multiclass = true;
  write_synth_dataset(dir.path().string(), opt);
  DatasetOptions dopt;
  dopt.classes = 3;
  const Dataset ds = load_dataset(dir.path().string(), dopt);
  REQUIRE(ds.samples.size() == 2);
  CHECK(ds.channels == 4);
  CHECK(ds.num_classes == 3);
  for (int i = 0; i < 2; ++i) {
    const Sample s = synth_sample(opt, i);
    CHECK(ds.samples[size_t(i)].id == s.id);
    CHECK(ds.samples[size_t(i)].labels.data == s.labels.data);
    REQUIRE(ds.samples[size_t(i)].image.data.size() == s.image.data.size());
    for (size_t k = 0; k < s.image.data.size(); ++k)
      CHECK(ds.samples[size_t(i)].image.data[k] == doctest::Approx(s.image.data[k]));
  }
  SEGRT_CHECK_ERROR_HAS(synth_sample({.channels = 2}, 0), "channels");
}

TEST_CASE("synth: tumour classes are present and visible in the contrasts") {
  SynthOptions opt;
  opt.height = opt.width = 64;
  opt.multiclass = true;
  opt.seed = 4;
  // A fixed rule that sees only a 3x3 neighbourhood of T2 + FLAIR already finds most of the
  // whole tumour; a U-Net, which sees far more, has a clearly learnable target.
  MetricsAccumulator acc(2, false);
  int with_core = 0, with_edema = 0;
  for (int i = 0; i < 12; ++i) {
    const Sample s = synth_sample(opt, i);
    LabelMap truth(s.labels.h, s.labels.w), pred(s.labels.h, s.labels.w);
    bool core = false, edema = false;
    for (size_t p = 0; p < truth.data.size(); ++p) {
      truth.data[p] = s.labels.data[p] > 0;
      core |= s.labels.data[p] == 2;
      edema |= s.labels.data[p] == 1;
    }
    with_core += core;
    with_edema += edema;
    for (int y = 1; y + 1 < s.image.h; ++y)
      for (int x = 1; x + 1 < s.image.w; ++x) {
        double v = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx)
            v += s.image.at(1, y + dy, x + dx) + s.image.at(2, y + dy, x + dx);
        pred.at(y, x) = v / 9 > 1.2;
      }
    acc.add(pred, truth);
  }
  CHECK(with_core == 12);
  CHECK(with_edema == 12);
  const double dice = acc.summary().classes[1].dice;
  MESSAGE("synth: threshold rule whole-tumour Dice " << dice);
  CHECK(dice > 0.9);
}

}  // namespace segrt::test
