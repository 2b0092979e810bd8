// 2-D image files: PNG, JPEG and BMP in (through stb_image), PNG out (stb_image_write).
// Every failure is a segrt::Error naming the file and what is wrong with it.
#pragma once

#include <string>

#include "runtime/data/image.h"

namespace segrt {

struct ImageInfo {
  std::string format;  // "png" | "jpeg" | "bmp"
  int bits = 8;        // 8, or 16 for 16-bit PNG
  float max_value() const { return bits == 16 ? 65535.f : 255.f; }
};

// Reads the file as it is stored: 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) planes, with
// the file's own values (0..255, or 0..65535 for 16-bit PNG) as floats.
Image read_image(const std::string& path, ImageInfo* info = nullptr);

// Writes 1 to 4 planes as an 8-bit PNG; values are rounded and must lie in [0, 255].
void write_png(const std::string& path, const Image& img);

// A label map as a grey 8-bit PNG: each class index times `scale` (255 for a binary 0/255
// mask, 1 for class indices as grey values). Values beyond 255 are an Error.
void write_label_png(const std::string& path, const LabelMap& labels, int scale = 255);

// An RGB picture of `img` in grey (the mean of its first three planes, or its one plane,
// min-max scaled to 0..255) with each foreground class blended in its own colour at opacity
// `alpha` and outlined (4-neighbour boundary) in that colour.
Image overlay(const Image& img, const LabelMap& labels, float alpha = 0.45f);

}  // namespace segrt
