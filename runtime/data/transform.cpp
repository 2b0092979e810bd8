#include "runtime/data/transform.h"

#include <algorithm>
#include <cmath>

namespace segrt {
namespace {

void check_size(const char* what, int h, int w) {
  if (h <= 0 || w <= 0)
    throw Error(std::string(what) + ": invalid target size " + std::to_string(h) + "x" +
                std::to_string(w));
}

std::string size_str(const Sample& s) {
  return std::to_string(s.image.h) + "x" + std::to_string(s.image.w);
}

// Copies the window of `s` starting at (y0, x0) (which may lie outside) into an h x w sample.
Sample window(const Sample& s, int y0, int x0, int h, int w, float value) {
  Sample out;
  out.id = s.id;
  out.group = s.group;
  out.spacing_y = s.spacing_y;
  out.spacing_x = s.spacing_x;
  out.image = Image(s.image.c, h, w, value);
  out.labels = LabelMap(h, w, 0);
  for (int y = 0; y < h; ++y) {
    const int sy = y + y0;
    if (sy < 0 || sy >= s.image.h) continue;
    for (int x = 0; x < w; ++x) {
      const int sx = x + x0;
      if (sx < 0 || sx >= s.image.w) continue;
      for (int ch = 0; ch < s.image.c; ++ch) out.image.at(ch, y, x) = s.image.at(ch, sy, sx);
      out.labels.at(y, x) = s.labels.at(sy, sx);
    }
  }
  return out;
}

void check_sample(const Sample& s, const char* what) {
  if (s.image.h != s.labels.h || s.image.w != s.labels.w)
    throw Error(std::string(what) + ": sample '" + s.id + "' has image " + size_str(s) +
                " but labels " + std::to_string(s.labels.h) + "x" + std::to_string(s.labels.w));
}

}  // namespace

Image resize_image(const Image& img, int h, int w) {
  check_size("resize", h, w);
  if (img.h <= 0 || img.w <= 0) throw Error("resize: empty image");
  Image out(img.c, h, w);
  const double fy = double(img.h) / h, fx = double(img.w) / w;
  std::vector<int> x0(w), x1(w);
  std::vector<float> ax(w);
  for (int x = 0; x < w; ++x) {
    const double sx = std::clamp((x + 0.5) * fx - 0.5, 0.0, double(img.w - 1));
    x0[x] = int(sx);
    x1[x] = std::min(x0[x] + 1, img.w - 1);
    ax[x] = float(sx - x0[x]);
  }
  for (int y = 0; y < h; ++y) {
    const double sy = std::clamp((y + 0.5) * fy - 0.5, 0.0, double(img.h - 1));
    const int y0 = int(sy), y1 = std::min(y0 + 1, img.h - 1);
    const float ay = float(sy - y0);
    for (int ch = 0; ch < img.c; ++ch)
      for (int x = 0; x < w; ++x) {
        const float top = img.at(ch, y0, x0[x]) * (1 - ax[x]) + img.at(ch, y0, x1[x]) * ax[x];
        const float bot = img.at(ch, y1, x0[x]) * (1 - ax[x]) + img.at(ch, y1, x1[x]) * ax[x];
        out.at(ch, y, x) = top * (1 - ay) + bot * ay;
      }
  }
  return out;
}

LabelMap resize_labels(const LabelMap& labels, int h, int w) {
  check_size("resize", h, w);
  LabelMap out(h, w);
  for (int y = 0; y < h; ++y) {
    const int sy = std::min(int((y + 0.5) * labels.h / h), labels.h - 1);
    for (int x = 0; x < w; ++x)
      out.at(y, x) = labels.at(sy, std::min(int((x + 0.5) * labels.w / w), labels.w - 1));
  }
  return out;
}

Sample resize(const Sample& s, int h, int w) {
  check_sample(s, "resize");
  Sample out;
  out.id = s.id;
  out.group = s.group;
  out.image = resize_image(s.image, h, w);
  out.labels = resize_labels(s.labels, h, w);
  out.spacing_y = s.spacing_y * s.image.h / h;
  out.spacing_x = s.spacing_x * s.image.w / w;
  return out;
}

Sample center_crop(const Sample& s, int h, int w) {
  check_size("center_crop", h, w);
  check_sample(s, "center_crop");
  if (h > s.image.h || w > s.image.w)
    throw Error("center_crop: sample '" + s.id + "' is " + size_str(s) + ", smaller than " +
                std::to_string(h) + "x" + std::to_string(w));
  return window(s, (s.image.h - h) / 2, (s.image.w - w) / 2, h, w, 0);
}

Sample random_crop(const Sample& s, int h, int w, Rng& rng) {
  check_size("random_crop", h, w);
  check_sample(s, "random_crop");
  if (h > s.image.h || w > s.image.w)
    throw Error("random_crop: sample '" + s.id + "' is " + size_str(s) + ", smaller than " +
                std::to_string(h) + "x" + std::to_string(w));
  const int y0 = int(rng.range(0, s.image.h - h));
  const int x0 = int(rng.range(0, s.image.w - w));
  return window(s, y0, x0, h, w, 0);
}

Sample pad_to(const Sample& s, int h, int w, float value) {
  check_sample(s, "pad_to");
  const int oh = std::max(h, s.image.h), ow = std::max(w, s.image.w);
  return window(s, -(oh - s.image.h) / 2, -(ow - s.image.w) / 2, oh, ow, value);
}

Sample crop_or_pad(const Sample& s, int h, int w, float value) {
  check_size("crop_or_pad", h, w);
  check_sample(s, "crop_or_pad");
  // Crop offset (>= 0) or minus the padding before (< 0), per axis.
  const int y0 = s.image.h >= h ? (s.image.h - h) / 2 : -((h - s.image.h) / 2);
  const int x0 = s.image.w >= w ? (s.image.w - w) / 2 : -((w - s.image.w) / 2);
  return window(s, y0, x0, h, w, value);
}

void flip_horizontal(Sample& s) {
  check_sample(s, "flip");
  for (int ch = 0; ch < s.image.c; ++ch)
    for (int y = 0; y < s.image.h; ++y) {
      float* row = s.image.plane(ch) + size_t(y) * s.image.w;
      std::reverse(row, row + s.image.w);
    }
  for (int y = 0; y < s.labels.h; ++y) {
    int32_t* row = s.labels.data.data() + size_t(y) * s.labels.w;
    std::reverse(row, row + s.labels.w);
  }
}

void flip_vertical(Sample& s) {
  check_sample(s, "flip");
  const int h = s.image.h, w = s.image.w;
  for (int ch = 0; ch < s.image.c; ++ch)
    for (int y = 0; y < h / 2; ++y)
      std::swap_ranges(&s.image.at(ch, y, 0), &s.image.at(ch, y, 0) + w,
                       &s.image.at(ch, h - 1 - y, 0));
  for (int y = 0; y < h / 2; ++y)
    std::swap_ranges(&s.labels.at(y, 0), &s.labels.at(y, 0) + w, &s.labels.at(h - 1 - y, 0));
}

void rotate_scale(Sample& s, double degrees, double scale, float fill) {
  check_sample(s, "rotate_scale");
  if (!(scale > 0)) throw Error("rotate_scale: scale must be > 0, got " + std::to_string(scale));
  const int h = s.image.h, w = s.image.w;
  const double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
  const double t = degrees * 3.14159265358979323846 / 180.0;
  // Output pixel -> source position: the inverse of a counter-clockwise rotation as displayed
  // (rows grow downwards) followed by the zoom.
  const double c = std::cos(t) / scale, sn = std::sin(t) / scale;
  Image img(s.image.c, h, w);
  LabelMap lab(h, w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double dx = x - cx, dy = y - cy;
      const double sx = cx + c * dx - sn * dy;
      const double sy = cy + sn * dx + c * dy;
      const long ly = std::lround(sy), lx = std::lround(sx);
      lab.at(y, x) = (ly >= 0 && ly < h && lx >= 0 && lx < w) ? s.labels.at(int(ly), int(lx)) : 0;
      const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
      const float ax = float(sx - x0), ay = float(sy - y0);
      for (int ch = 0; ch < s.image.c; ++ch) {
        auto px = [&](int yy, int xx) {
          return (yy >= 0 && yy < h && xx >= 0 && xx < w) ? s.image.at(ch, yy, xx) : fill;
        };
        const float top = px(y0, x0) * (1 - ax) + px(y0, x0 + 1) * ax;
        const float bot = px(y0 + 1, x0) * (1 - ax) + px(y0 + 1, x0 + 1) * ax;
        img.at(ch, y, x) = top * (1 - ay) + bot * ay;
      }
    }
  s.image = std::move(img);
  s.labels = std::move(lab);
}

void mask_patches(Image& img, int max_patches, double max_fraction, Rng& rng, float value) {
  if (max_patches <= 0 || max_fraction <= 0) return;
  const double side = std::sqrt(std::min(max_fraction, 1.0));
  const int max_h = std::max(1, int(side * img.h)), max_w = std::max(1, int(side * img.w));
  const int n = int(rng.range(1, max_patches));
  for (int k = 0; k < n; ++k) {
    const int ph = int(rng.range(1, max_h)), pw = int(rng.range(1, max_w));
    const int y0 = int(rng.range(0, img.h - ph)), x0 = int(rng.range(0, img.w - pw));
    for (int ch = 0; ch < img.c; ++ch)
      for (int y = y0; y < y0 + ph; ++y) std::fill_n(&img.at(ch, y, x0), pw, value);
  }
}

void add_gaussian_noise(Image& img, double mean, double stddev, Rng& rng) {
  for (float& v : img.data) v += float(rng.normal(mean, stddev));
}

AugmentOptions AugmentOptions::resunet() {
  AugmentOptions o;
  o.hflip_p = o.vflip_p = 0.25;
  o.mask_p = 0.4;
  o.mask_max_patches = 6;
  o.mask_max_fraction = 0.2;
  o.noise_p = 0.25;
  o.noise_mean = 0.05;
  o.noise_std = std::sqrt(0.1);
  return o;
}

AugmentOptions AugmentOptions::orunet() {
  AugmentOptions o;
  o.hflip_p = o.vflip_p = 0.5;
  o.rotate_p = 0.5;
  o.rotate_degrees = 15;
  o.scale_p = 0.5;
  o.scale_min = 0.9;
  o.scale_max = 1.1;
  return o;
}

void augment(Sample& s, const AugmentOptions& o, Rng& rng) {
  // Every decision is drawn whether or not it fires, so one option's probability does not
  // shift the random stream of the others.
  const bool hf = rng.bernoulli(o.hflip_p), vf = rng.bernoulli(o.vflip_p);
  const bool rot = rng.bernoulli(o.rotate_p), zoom = rng.bernoulli(o.scale_p);
  const double angle = rng.uniform(-o.rotate_degrees, o.rotate_degrees);
  const double scale = rng.uniform(o.scale_min, o.scale_max);
  const bool mask = rng.bernoulli(o.mask_p), noise = rng.bernoulli(o.noise_p);
  if (hf) flip_horizontal(s);
  if (vf) flip_vertical(s);
  if (rot || zoom) rotate_scale(s, rot ? angle : 0.0, zoom ? scale : 1.0, o.fill);
  if (mask) mask_patches(s.image, o.mask_max_patches, o.mask_max_fraction, rng, o.mask_value);
  if (noise) add_gaussian_noise(s.image, o.noise_mean, o.noise_std, rng);
}

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b) {
  // splitmix64 finaliser over the three words.
  auto mix = [](uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(seed) ^ a) ^ b);
}

Batch make_batch(const std::vector<const Sample*>& samples, int num_classes, bool one_hot) {
  if (samples.empty()) throw Error("make_batch: no samples");
  if (num_classes < 2) throw Error("make_batch: num_classes must be >= 2");
  const Sample& f = *samples[0];
  const int c = f.image.c, h = f.image.h, w = f.image.w, k = one_hot ? num_classes : 1;
  const size_t hw = size_t(h) * w, n = samples.size();
  Batch b;
  b.images_shape = {int64_t(n), c, h, w};
  b.targets_shape = {int64_t(n), k, h, w};
  b.images.resize(n * c * hw);
  b.targets.assign(n * k * hw, 0.f);
  for (size_t i = 0; i < n; ++i) {
    const Sample& s = *samples[i];
    check_sample(s, "make_batch");
    if (s.image.c != c || s.image.h != h || s.image.w != w)
      throw Error("make_batch: sample '" + s.id + "' is " + std::to_string(s.image.c) + "x" +
                  size_str(s) + " but '" + f.id + "' is " + std::to_string(c) + "x" + size_str(f) +
                  "; resize or crop to one size first");
    std::copy(s.image.data.begin(), s.image.data.end(), b.images.begin() + i * c * hw);
    float* t = b.targets.data() + i * k * hw;
    for (size_t p = 0; p < hw; ++p) {
      const int32_t l = s.labels.data[p];
      if (l < 0 || l >= num_classes)
        throw Error("make_batch: sample '" + s.id + "' has label " + std::to_string(l) +
                    " outside 0.." + std::to_string(num_classes - 1));
      if (one_hot)
        t[size_t(l) * hw + p] = 1.f;
      else
        t[p] = l > 0 ? 1.f : 0.f;
    }
  }
  return b;
}

Batch make_batch(const std::vector<Sample>& samples, int num_classes, bool one_hot) {
  std::vector<const Sample*> p;
  for (const Sample& s : samples) p.push_back(&s);
  return make_batch(p, num_classes, one_hot);
}

}  // namespace segrt
