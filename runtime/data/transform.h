// Preprocessing, seeded augmentation and batching of samples. Images are resampled bilinearly,
// label maps by nearest neighbour, always together so they stay aligned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "runtime/data/dataset.h"
#include "runtime/data/rng.h"

namespace segrt {

// Half-pixel-centre resampling (align_corners = false), edges clamped.
Image resize_image(const Image& img, int h, int w);
LabelMap resize_labels(const LabelMap& labels, int h, int w);
// Resizes both and scales the spacing so physical size is kept.
Sample resize(const Sample& s, int h, int w);
// Error when the sample is smaller than (h, w).
Sample center_crop(const Sample& s, int h, int w);
Sample random_crop(const Sample& s, int h, int w, Rng& rng);
// Pads to at least (h, w), the extra split evenly (odd pixel at the bottom/right); the image
// with `value`, labels with background. Never crops.
Sample pad_to(const Sample& s, int h, int w, float value = 0);
// Centre crop and/or pad, each axis on its own, to exactly (h, w).
Sample crop_or_pad(const Sample& s, int h, int w, float value = 0);

void flip_horizontal(Sample& s);
void flip_vertical(Sample& s);
// Rotation by `degrees` (counter-clockwise) and zoom by `scale` about the centre, same size;
// pixels from outside become `fill` (image) and background (labels).
void rotate_scale(Sample& s, double degrees, double scale, float fill = 0);
// Sets 1..max_patches rectangles to `value`, each covering at most `max_fraction` of the image
// area (each side at most sqrt(max_fraction) of the image side). Labels are untouched.
void mask_patches(Image& img, int max_patches, double max_fraction, Rng& rng, float value = 0);
void add_gaussian_noise(Image& img, double mean, double stddev, Rng& rng);

struct AugmentOptions {
  double hflip_p = 0, vflip_p = 0;
  double rotate_p = 0, rotate_degrees = 0;           // angle uniform in [-deg, deg]
  double scale_p = 0, scale_min = 1, scale_max = 1;  // zoom uniform in [min, max]
  double mask_p = 0, mask_max_fraction = 0.2;
  int mask_max_patches = 0;
  float mask_value = 0;
  double noise_p = 0, noise_mean = 0, noise_std = 0;
  float fill = 0;  // image value for pixels rotated/zoomed in from outside

  // The papers' recipes: ResU-Net (flips p 0.25; up to 6 patches <= 20% p 0.4; noise
  // N(0.05, var 0.1) p 0.25) and ORU-Net (random rotation, flip and scale).
  static AugmentOptions resunet();
  static AugmentOptions orunet();
};
// Applies flips, then rotation/zoom, then masking, then noise, each with its probability.
void augment(Sample& s, const AugmentOptions& opt, Rng& rng);
// A seed for (base seed, epoch, sample index): augmentation that does not depend on the order
// or thread samples are processed in.
uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0);

struct Batch {
  Shape images_shape;   // [N,C,H,W]
  Shape targets_shape;  // [N,K,H,W]
  std::vector<float> images, targets;
};
// one_hot: K = num_classes one-hot planes (labels must be < num_classes). Otherwise K = 1, the
// foreground (label > 0) of binary or multi-class labels. All samples must share C, H and W.
Batch make_batch(const std::vector<const Sample*>& samples, int num_classes, bool one_hot);
Batch make_batch(const std::vector<Sample>& samples, int num_classes, bool one_hot);

}  // namespace segrt
