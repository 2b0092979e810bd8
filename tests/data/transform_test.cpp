// Resampling, cropping, seeded augmentation and batching.
#include "runtime/data/transform.h"

#include <doctest/doctest.h>

#include <cmath>

#include "graph/ir.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

Sample make_sample(int c, int h, int w) {
  Sample s;
  s.id = std::string(1, 's');
  s.group = s.id;
  s.image = Image(c, h, w);
  s.labels = LabelMap(h, w);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) s.image.at(ch, y, x) = float(100 * ch + 10 * y + x);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) s.labels.at(y, x) = (y + x) % 3;
  return s;
}

}  // namespace

TEST_CASE("transform: resize is bilinear for images, nearest for labels") {
  Sample s;
  s.image = Image(1, 1, 2);
  s.image.data = {0.f, 1.f};
  s.labels = LabelMap(1, 2);
  s.labels.data = {0, 1};
  s.spacing_x = 2;
  const Sample r = resize(s, 1, 4);
  REQUIRE(r.image.data.size() == 4);
  CHECK(r.image.data[0] == doctest::Approx(0));
  CHECK(r.image.data[1] == doctest::Approx(0.25));
  CHECK(r.image.data[2] == doctest::Approx(0.75));
  CHECK(r.image.data[3] == doctest::Approx(1));
  CHECK(r.labels.data == std::vector<int32_t>{0, 0, 1, 1});
  CHECK(r.spacing_x == doctest::Approx(1.0));
  const Sample same = resize(make_sample(2, 5, 6), 5, 6);
  CHECK(same.image.data == make_sample(2, 5, 6).image.data);
  CHECK(same.labels.data == make_sample(2, 5, 6).labels.data);
  // Down by two averages 2x2 blocks.
  const Image d = resize_image(make_sample(1, 4, 4).image, 2, 2);
  CHECK(d.at(0, 0, 0) == doctest::Approx(5.5));
  CHECK(d.at(0, 1, 1) == doctest::Approx(27.5));
  SEGRT_CHECK_ERROR_HAS(resize(s, 0, 3), "invalid target size");
}

TEST_CASE("transform: crops and padding") {
  const Sample s = make_sample(2, 6, 7);
  const Sample c = center_crop(s, 4, 3);
  CHECK(c.image.h == 4);
  CHECK(c.image.w == 3);
  CHECK(c.image.at(1, 0, 0) == s.image.at(1, 1, 2));
  CHECK(c.labels.at(3, 2) == s.labels.at(4, 4));
  SEGRT_CHECK_ERROR_HAS(center_crop(s, 7, 7), "smaller");

  const Sample p = pad_to(s, 9, 7, -1.f);
  CHECK(p.image.h == 9);
  CHECK(p.image.w == 7);
  CHECK(p.image.at(0, 0, 0) == -1.f);
  CHECK(p.image.at(0, 1, 0) == s.image.at(0, 0, 0));
  CHECK(p.labels.at(8, 0) == 0);
  CHECK(p.image.at(1, 6, 3) == s.image.at(1, 5, 3));

  const Sample q = crop_or_pad(s, 8, 5);
  CHECK(q.image.h == 8);
  CHECK(q.image.w == 5);
  CHECK(q.image.at(0, 1, 0) == s.image.at(0, 0, 1));

  Rng r1(7), r2(7);
  const Sample a = random_crop(s, 3, 3, r1), b = random_crop(s, 3, 3, r2);
  CHECK(a.image.data == b.image.data);
  bool found = false;  // the crop is a window of the original
  for (int y = 0; y + 3 <= 6; ++y)
    for (int x = 0; x + 3 <= 7; ++x)
      found |= a.image.at(0, 0, 0) == s.image.at(0, y, x) &&
               a.image.at(0, 2, 2) == s.image.at(0, y + 2, x + 2);
  CHECK(found);
}

TEST_CASE("transform: flips and rotation move image and labels together") {
  const Sample s = make_sample(2, 5, 5);
  Sample h = s;
  flip_horizontal(h);
  CHECK(h.image.at(1, 2, 0) == s.image.at(1, 2, 4));
  CHECK(h.labels.at(3, 1) == s.labels.at(3, 3));
  flip_horizontal(h);
  CHECK(h.image.data == s.image.data);
  Sample v = s;
  flip_vertical(v);
  CHECK(v.image.at(0, 0, 3) == s.image.at(0, 4, 3));
  CHECK(v.labels.at(1, 2) == s.labels.at(3, 2));

  Sample r = s;
  rotate_scale(r, 0, 1);
  CHECK(r.labels.data == s.labels.data);
  for (size_t i = 0; i < s.image.data.size(); ++i)
    CHECK(r.image.data[i] == doctest::Approx(s.image.data[i]));

  // 180 degrees on an odd square is both flips.
  Sample hv = s;
  flip_horizontal(hv);
  flip_vertical(hv);
  rotate_scale(r, 180, 1);
  CHECK(r.labels.data == hv.labels.data);
  for (size_t i = 0; i < s.image.data.size(); ++i)
    CHECK(r.image.data[i] == doctest::Approx(hv.image.data[i]).epsilon(1e-4));

  // 90 degrees counter-clockwise as displayed: the top-right corner goes to the top-left.
  Sample q = s;
  rotate_scale(q, 90, 1);
  CHECK(q.image.at(0, 0, 0) == doctest::Approx(s.image.at(0, 0, 4)));
  CHECK(q.labels.at(0, 0) == s.labels.at(0, 4));
  CHECK(q.labels.at(4, 0) == s.labels.at(0, 0));

  // Zooming out brings in fill from outside; labels there are background.
  Sample z = s;
  rotate_scale(z, 0, 0.5, -7.f);
  CHECK(z.image.at(0, 0, 0) == doctest::Approx(-7.f));
  CHECK(z.labels.at(0, 0) == 0);
  CHECK(z.image.at(1, 2, 2) == doctest::Approx(s.image.at(1, 2, 2)));
}

TEST_CASE("transform: masking patches and noise follow their parameters") {
  Image img(2, 40, 50, 1.f);
  Rng rng(3);
  mask_patches(img, 6, 0.2, rng, 0.f);
  size_t zeros = 0;
  for (float v : img.data) zeros += v == 0.f;
  CHECK(zeros > 0);
  CHECK(zeros <= size_t(6 * 0.2 * 40 * 50 * 2));
  // Each patch is one rectangle on every channel.
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 50; ++x) CHECK(img.at(0, y, x) == img.at(1, y, x));

  Image n(1, 100, 100, 0.f);
  Rng nr(5);
  add_gaussian_noise(n, 0.05, std::sqrt(0.1), nr);
  double sum = 0, sq = 0;
  for (float v : n.data) sum += v;
  const double mean = sum / 1e4;
  for (float v : n.data) sq += (v - mean) * (v - mean);
  CHECK(std::fabs(mean - 0.05) < 0.015);
  CHECK(std::sqrt(sq / 1e4) == doctest::Approx(std::sqrt(0.1)).epsilon(0.05));
}

TEST_CASE("transform: augmentation is a function of the seed") {
  const Sample s = make_sample(3, 16, 16);
  AugmentOptions o = AugmentOptions::resunet();
  o.rotate_p = 0.5;
  o.rotate_degrees = 20;
  bool differs = false;
  for (uint64_t k = 0; k < 8; ++k) {
    Sample a = s, b = s;
    Rng ra(mix_seed(11, 1, k)), rb(mix_seed(11, 1, k));
    augment(a, o, ra);
    augment(b, o, rb);
    CHECK(a.image.data == b.image.data);
    CHECK(a.labels.data == b.labels.data);
    differs |= a.image.data != s.image.data;
  }
  CHECK(differs);
  CHECK(mix_seed(1, 2, 3) != mix_seed(1, 3, 2));
}

TEST_CASE("transform: batches, one-hot and binary targets") {
  std::vector<Sample> v = {make_sample(2, 3, 4), make_sample(2, 3, 4)};
  v[1].labels.at(0, 0) = 2;
  const Batch oh = make_batch(v, 3, true);
  CHECK(oh.images_shape == Shape{2, 2, 3, 4});
  CHECK(oh.targets_shape == Shape{2, 3, 3, 4});
  CHECK(oh.images[size_t(1) * 24 + 12 + 5] == v[1].image.at(1, 1, 1));
  const size_t plane = 12;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int k = 0; k < 3; ++k)
        CHECK(oh.targets[size_t(k) * plane + size_t(y) * 4 + x] ==
              (v[0].labels.at(y, x) == k ? 1.f : 0.f));
  CHECK(oh.targets[36 + 2 * plane] == 1.f);  // sample 1, class 2, pixel (0, 0)

  const Batch bin = make_batch(v, 3, false);
  CHECK(bin.targets_shape == Shape{2, 1, 3, 4});
  CHECK(bin.targets[12] == 1.f);  // label 2 is foreground
  CHECK(bin.targets[0] == 0.f);

  v[1].labels.at(0, 0) = 3;
  SEGRT_CHECK_ERROR_HAS(make_batch(v, 3, true), "label 3");
  v[1] = make_sample(2, 3, 5);
  SEGRT_CHECK_ERROR_HAS(make_batch(v, 3, true), "resize or crop");
  SEGRT_CHECK_ERROR_HAS(make_batch(std::vector<Sample>{}, 3, true), "no samples");
}

}  // namespace segrt::test
