#include "runtime/data/synth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "graph/ir.h"
#include "runtime/data/image_io.h"
#include "runtime/data/rng.h"
#include "runtime/data/transform.h"

namespace segrt {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Smooth random field in about [-1, 1]: values on a (cells+1)^2 lattice, smoothstep-interpolated.
std::vector<float> smooth_noise(int h, int w, int cells, Rng& rng) {
  const int n = cells + 1;
  std::vector<double> lattice(size_t(n) * n);
  for (double& v : lattice) v = rng.uniform(-1, 1);
  std::vector<float> out(size_t(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double gy = double(y) / h * cells, gx = double(x) / w * cells;
      const int iy = int(gy), ix = int(gx);
      double ty = gy - iy, tx = gx - ix;
      ty = ty * ty * (3 - 2 * ty);
      tx = tx * tx * (3 - 2 * tx);
      auto at = [&](int yy, int xx) { return lattice[size_t(yy) * n + xx]; };
      const double top = at(iy, ix) * (1 - tx) + at(iy, ix + 1) * tx;
      const double bot = at(iy + 1, ix) * (1 - tx) + at(iy + 1, ix + 1) * tx;
      out[size_t(y) * w + x] = float(top * (1 - ty) + bot * ty);
    }
  return out;
}

// A star-shaped outline: radius r0 * (1 + sum of a few random harmonics).
struct Blob {
  double cy = 0, cx = 0, r0 = 0;
  std::array<double, 4> amp{}, phase{};
  void draw(Rng& rng, double irregularity) {
    for (int k = 0; k < 4; ++k) {
      amp[k] = rng.uniform(0, irregularity) / (k + 1);
      phase[k] = rng.uniform(0, 2 * kPi);
    }
  }
  // < 1 inside, scaled by `grow` (1.5 = half again as large).
  double rho(double y, double x, double grow = 1) const {
    const double dy = y - cy, dx = x - cx;
    const double t = std::atan2(dy, dx);
    double r = 1;
    for (int k = 0; k < 4; ++k) r += amp[k] * std::cos((k + 2) * t + phase[k]);
    return std::sqrt(dy * dy + dx * dx) / (r0 * grow * r);
  }
};

// Tissue contrasts per channel: T1, T1ce, T2, FLAIR (3-channel images drop T1ce).
enum Tissue { kBackground, kSkull, kCsf, kBrain, kEdema, kCore, kTissues };
constexpr float kContrast[kTissues][4] = {
    {0.00f, 0.00f, 0.00f, 0.00f},  // background
    {0.85f, 0.85f, 0.35f, 0.50f},  // skull and scalp
    {0.15f, 0.15f, 0.90f, 0.10f},  // CSF: dark on T1 and FLAIR, bright on T2
    {0.60f, 0.60f, 0.45f, 0.45f},  // brain
    {0.45f, 0.45f, 0.80f, 0.85f},  // edema: bright on T2 and FLAIR
    {0.30f, 0.95f, 0.65f, 0.65f},  // tumour core: dark T1, enhancing T1ce
};

}  // namespace

Sample synth_sample(const SynthOptions& opt, int index) {
  if (opt.height < 16 || opt.width < 16) throw Error("synth: image size must be at least 16x16");
  if (opt.channels != 3 && opt.channels != 4)
    throw Error("synth: channels must be 3 or 4, got " + std::to_string(opt.channels));
  const int h = opt.height, w = opt.width;
  Rng rng(mix_seed(opt.seed, uint64_t(index), 0x5e17));
  const double size = std::min(h, w);

  // Head: a tilted ellipse; brain inside the skull ring; ventricles mirrored about the midline.
  const double hcy = h / 2.0 + rng.uniform(-0.04, 0.04) * h;
  const double hcx = w / 2.0 + rng.uniform(-0.04, 0.04) * w;
  const double ha = rng.uniform(0.40, 0.46) * h, hb = rng.uniform(0.33, 0.40) * w;
  const double tilt = rng.uniform(-0.25, 0.25);
  const double ct = std::cos(tilt), st = std::sin(tilt);
  auto head_frame = [&](double y, double x, double& u, double& v) {  // u along the long axis
    const double dy = y - hcy, dx = x - hcx;
    u = ct * dy + st * dx;
    v = -st * dy + ct * dx;
  };
  const double skull_in = rng.uniform(0.86, 0.90), brain_in = skull_in - 0.03;
  const double vent_u = rng.uniform(-0.12, 0.02) * ha, vent_v = rng.uniform(0.07, 0.12) * hb;
  const double vent_a = rng.uniform(0.14, 0.22) * ha, vent_b = rng.uniform(0.04, 0.07) * hb;

  // Tumour: somewhere in the brain, away from the skull.
  const bool tumour = !rng.bernoulli(opt.empty_fraction);
  Blob core, edema;
  {
    const double t = rng.uniform(0, 2 * kPi), r = std::sqrt(rng.uniform()) * 0.5;
    double u = r * std::cos(t) * ha, v = r * std::sin(t) * hb;
    core.cy = hcy + ct * u - st * v;
    core.cx = hcx + st * u + ct * v;
    core.r0 = rng.uniform(0.04, 0.10) * size;
    core.draw(rng, 0.35);
    edema = core;
    edema.r0 = core.r0 * rng.uniform(1.5, 2.1);
    edema.draw(rng, 0.45);
  }

  std::vector<std::vector<float>> texture, bias;
  for (int k = 0; k < 2; ++k) texture.push_back(smooth_noise(h, w, 6 + 6 * k, rng));
  for (int k = 0; k < opt.channels; ++k) bias.push_back(smooth_noise(h, w, 2, rng));
  const float noise_sd = float(rng.uniform(0.02, 0.04));

  Sample s;
  char id[32];
  std::snprintf(id, sizeof id, "synth_%04d", index);
  s.id = s.group = id;
  s.image = Image(opt.channels, h, w);
  s.labels = LabelMap(h, w);
  const int map4[2][4] = {{0, 2, 3, -1}, {0, 1, 2, 3}};  // image channel -> contrast column
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double u, v;
      head_frame(y + 0.5, x + 0.5, u, v);
      const double rho = std::sqrt((u / ha) * (u / ha) + (v / hb) * (v / hb));
      Tissue t = kBackground;
      if (rho < 1) t = kSkull;
      if (rho < skull_in) t = kCsf;
      if (rho < brain_in) {
        t = kBrain;
        for (double side : {-1.0, 1.0}) {
          const double du = (u - vent_u) / vent_a, dv = (v - side * vent_v) / vent_b;
          if (du * du + dv * dv < 1) t = kCsf;
        }
        if (tumour && edema.rho(y + 0.5, x + 0.5) < 1) t = kEdema;
        if (tumour && core.rho(y + 0.5, x + 0.5) < 1) t = kCore;
      }
      int32_t label = 0;
      if (t == kEdema) label = 1;
      if (t == kCore) label = opt.multiclass ? 2 : 1;
      s.labels.at(y, x) = label;
      const size_t i = size_t(y) * w + x;
      for (int ch = 0; ch < opt.channels; ++ch) {
        double val = kContrast[t][map4[opt.channels == 4][ch]];
        if (t == kBrain) val += 0.08 * texture[0][i] + 0.04 * texture[1][i];
        if (t == kEdema || t == kCore) val += 0.05 * texture[1][i];
        if (t != kBackground) val *= 1 + 0.08 * bias[size_t(ch)][i];
        val += noise_sd * rng.normal();
        s.image.at(ch, y, x) = float(std::lround(std::clamp(val, 0.0, 1.0) * 255.0)) / 255.f;
      }
    }
  return s;
}

void write_synth_dataset(const std::string& dir, const SynthOptions& opt) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "images", ec);
  if (!ec) fs::create_directories(fs::path(dir) / "masks", ec);
  if (ec) throw Error(dir + ": cannot create folder (" + ec.message() + ")");
  for (int i = 0; i < opt.count; ++i) {
    Sample s = synth_sample(opt, i);
    for (float& v : s.image.data) v = std::round(v * 255.f);
    write_png((fs::path(dir) / "images" / (s.id + ".png")).string(), s.image);
    write_label_png((fs::path(dir) / "masks" / (s.id + ".png")).string(), s.labels,
                    opt.multiclass ? 1 : 255);
  }
}

}  // namespace segrt
