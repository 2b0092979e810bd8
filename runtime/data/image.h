// Host-side 2-D image and label map: the currency of the data pipeline (I/O, data sets,
// transforms, metrics). Planar float images [C,H,W]; integer class maps [H,W].
#pragma once

#include <cstdint>
#include <vector>

namespace segrt {

struct Image {
  int c = 0, h = 0, w = 0;
  std::vector<float> data;  // planar: data[(ch * h + y) * w + x]

  Image() = default;
  Image(int channels, int height, int width, float fill = 0.f)
      : c(channels), h(height), w(width), data(size_t(channels) * height * width, fill) {}
  float& at(int ch, int y, int x) { return data[(size_t(ch) * h + y) * w + x]; }
  float at(int ch, int y, int x) const { return data[(size_t(ch) * h + y) * w + x]; }
  float* plane(int ch) { return data.data() + size_t(ch) * h * w; }
  const float* plane(int ch) const { return data.data() + size_t(ch) * h * w; }
};

struct LabelMap {
  int h = 0, w = 0;
  std::vector<int32_t> data;  // data[y * w + x] = class index

  LabelMap() = default;
  LabelMap(int height, int width, int32_t fill = 0)
      : h(height), w(width), data(size_t(height) * width, fill) {}
  int32_t& at(int y, int x) { return data[size_t(y) * w + x]; }
  int32_t at(int y, int x) const { return data[size_t(y) * w + x]; }
};

}  // namespace segrt
