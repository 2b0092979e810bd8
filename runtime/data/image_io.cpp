// The one translation unit that compiles stb_image and stb_image_write.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include "runtime/data/image_io.h"

// stb is third-party code: its own warnings are not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image.h>
#include <stb_image_write.h>
#pragma GCC diagnostic pop
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

#include "graph/ir.h"

namespace segrt {
namespace {

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open image file");
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)),
                               std::istreambuf_iterator<char>());
  if (f.bad()) throw Error(path + ": read error");
  return b;
}

uint32_t be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
uint32_t le32(const unsigned char* p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}

// stb_image decodes some damaged files without complaint (it ignores PNG CRCs and pads short
// JPEG and BMP data with zeros), so the container is checked here first: a damaged file must
// be an Error, never a silently wrong picture.
void check_png(const std::string& path, const std::vector<unsigned char>& b) {
  size_t pos = 8;
  bool seen_idat = false;
  while (true) {
    if (pos + 12 > b.size())
      throw Error(path + ": truncated PNG (file ends at byte " + std::to_string(b.size()) +
                  " before the IEND chunk)");
    const uint32_t len = be32(&b[pos]);
    const std::string type(reinterpret_cast<const char*>(&b[pos + 4]), 4);
    if (len > b.size() || pos + 12 + len > b.size())
      throw Error(path + ": truncated PNG (chunk '" + type + "' of " + std::to_string(len) +
                  " bytes runs past the end of the file)");
    const uint32_t crc = uint32_t(crc32(crc32(0, nullptr, 0), &b[pos + 4], len + 4));
    if (crc != be32(&b[pos + 8 + len]))
      throw Error(path + ": corrupt PNG (CRC mismatch in chunk '" + type + "')");
    if (type == "IDAT") seen_idat = true;
    pos += 12 + len;
    if (type == "IEND") break;
  }
  if (!seen_idat) throw Error(path + ": corrupt PNG (no image data)");
}

// Walks the marker segments (skipping entropy-coded data) to the end-of-image marker, so an
// EOI inside an embedded thumbnail cannot hide a cut-off main image.
void check_jpeg(const std::string& path, const std::vector<unsigned char>& b) {
  const std::string cut = path + ": truncated JPEG (no end-of-image marker)";
  size_t pos = 2;
  while (pos + 1 < b.size()) {
    if (b[pos] != 0xFF)
      throw Error(path + ": corrupt JPEG (marker expected at byte " + std::to_string(pos) + ")");
    const unsigned char m = b[pos + 1];
    if (m == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (m == 0xD9) return;
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // markers without a length
      pos += 2;
      continue;
    }
    if (pos + 4 > b.size()) throw Error(cut);
    pos += 2 + (size_t(b[pos + 2]) << 8 | b[pos + 3]);
    if (pos > b.size()) throw Error(cut);
    if (m == 0xDA)  // scan data runs to the next marker that is not stuffing or a restart
      while (pos + 1 < b.size() &&
             !(b[pos] == 0xFF && b[pos + 1] != 0 && !(b[pos + 1] >= 0xD0 && b[pos + 1] <= 0xD7)))
        ++pos;
  }
  throw Error(cut);
}

void check_bmp(const std::string& path, const std::vector<unsigned char>& b) {
  if (b.size() < 54) throw Error(path + ": truncated BMP header");
  const uint32_t offset = le32(&b[10]);
  const uint32_t hdr = le32(&b[14]);
  if (hdr < 40) return;  // old OS/2 header: let stb judge it
  const int64_t w = int32_t(le32(&b[18]));
  const int64_t h = std::abs(int64_t(int32_t(le32(&b[22]))));
  const int bpp = b[28] | b[29] << 8;
  const uint32_t compression = le32(&b[30]);
  if (compression != 0 && compression != 3) return;  // RLE: size is not implied
  const int64_t row = (w * bpp + 31) / 32 * 4;
  if (w <= 0 || int64_t(offset) + row * h > int64_t(b.size()))
    throw Error(path + ": truncated BMP (pixel data needs " + std::to_string(offset + row * h) +
                " bytes, file has " + std::to_string(b.size()) + ")");
}

std::string detect_format(const std::string& path, const std::vector<unsigned char>& b) {
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 8 && std::memcmp(b.data(), png_sig, 8) == 0) return "png";
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "jpeg";
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
  if (b.empty()) throw Error(path + ": empty file, not an image");
  throw Error(path + ": not a PNG, JPEG or BMP file (unrecognised signature)");
}

}  // namespace

Image read_image(const std::string& path, ImageInfo* info) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  const std::string format = detect_format(path, bytes);
  if (format == "png") check_png(path, bytes);
  if (format == "jpeg") check_jpeg(path, bytes);
  if (format == "bmp") check_bmp(path, bytes);
  if (bytes.size() > size_t(INT32_MAX)) throw Error(path + ": image file too large");
  const int len = int(bytes.size());

  int w = 0, h = 0, comp = 0;
  const bool is16 = stbi_is_16_bit_from_memory(bytes.data(), len) != 0;
  std::unique_ptr<void, void (*)(void*)> pixels(
      is16 ? static_cast<void*>(stbi_load_16_from_memory(bytes.data(), len, &w, &h, &comp, 0))
           : static_cast<void*>(stbi_load_from_memory(bytes.data(), len, &w, &h, &comp, 0)),
      stbi_image_free);
  if (!pixels) {
    const char* why = stbi_failure_reason();
    throw Error(path + ": cannot decode " + format + " (" + (why ? why : "unknown reason") + ")");
  }
  if (w <= 0 || h <= 0 || comp < 1 || comp > 4)
    throw Error(path + ": decoded to an invalid size or channel count");

  Image img(comp, h, w);
  const size_t n = size_t(w) * h;
  for (size_t i = 0; i < n; ++i)
    for (int ch = 0; ch < comp; ++ch) {
      const size_t k = i * comp + ch;
      img.data[size_t(ch) * n + i] = is16 ? float(static_cast<const uint16_t*>(pixels.get())[k])
                                          : float(static_cast<const uint8_t*>(pixels.get())[k]);
    }
  if (info) {
    info->format = format;
    info->bits = is16 ? 16 : 8;
  }
  return img;
}

void write_png(const std::string& path, const Image& img) {
  if (img.c < 1 || img.c > 4 || img.h <= 0 || img.w <= 0 ||
      img.data.size() != size_t(img.c) * img.h * img.w)
    throw Error(path + ": cannot write a PNG of " + std::to_string(img.c) + " channels, " +
                std::to_string(img.h) + "x" + std::to_string(img.w));
  const size_t n = size_t(img.h) * img.w;
  std::vector<unsigned char> inter(n * img.c);
  for (int ch = 0; ch < img.c; ++ch)
    for (size_t i = 0; i < n; ++i) {
      const float v = img.data[size_t(ch) * n + i];
      if (!(v >= -0.5f && v < 255.5f))
        throw Error(path + ": value " + std::to_string(v) + " outside 0..255 in channel " +
                    std::to_string(ch) + "; scale the image before writing an 8-bit PNG");
      inter[i * img.c + ch] = static_cast<unsigned char>(std::lround(v));
    }
  if (!stbi_write_png(path.c_str(), img.w, img.h, img.c, inter.data(), img.w * img.c))
    throw Error(path + ": cannot write PNG file");
}

void write_label_png(const std::string& path, const LabelMap& labels, int scale) {
  if (labels.data.size() != size_t(labels.h) * labels.w || labels.h <= 0 || labels.w <= 0)
    throw Error(path + ": invalid label map size");
  Image img(1, labels.h, labels.w);
  for (size_t i = 0; i < labels.data.size(); ++i) {
    const int64_t v = int64_t(labels.data[i]) * scale;
    if (v < 0 || v > 255)
      throw Error(path + ": label " + std::to_string(labels.data[i]) + " times scale " +
                  std::to_string(scale) + " does not fit an 8-bit PNG");
    img.data[i] = float(v);
  }
  write_png(path, img);
}

Image overlay(const Image& img, const LabelMap& labels, float alpha) {
  if (img.h != labels.h || img.w != labels.w)
    throw Error("overlay: image " + std::to_string(img.h) + "x" + std::to_string(img.w) +
                " and labels " + std::to_string(labels.h) + "x" + std::to_string(labels.w) +
                " differ in size");
  if (img.c < 1) throw Error("overlay: image has no channels");
  static const float palette[6][3] = {{255, 40, 40}, {40, 220, 40},  {50, 110, 255},
                                      {255, 220, 0}, {230, 50, 230}, {0, 220, 220}};
  const size_t n = size_t(img.h) * img.w;
  const int src_c = img.c >= 3 ? 3 : 1;
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n * src_c; ++i) {
    lo = std::min(lo, img.data[i]);
    hi = std::max(hi, img.data[i]);
  }
  const float scale = hi > lo ? 255.f / (hi - lo) : 0.f;
  // A grey base (mean of the colour planes) so that only the classes carry colour; inside a
  // class the colour is blended at `alpha`, its outline drawn at full strength.
  Image out(3, img.h, img.w);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x) {
      const size_t i = size_t(y) * img.w + x;
      float grey = 0;
      for (int ch = 0; ch < src_c; ++ch) grey += img.data[size_t(ch) * n + i];
      grey = (grey / float(src_c) - lo) * scale;
      const int k = labels.data[i];
      bool edge = false;
      if (k > 0)
        for (auto [dy, dx] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
          const int yy = y + dy, xx = x + dx;
          edge |= yy < 0 || yy >= img.h || xx < 0 || xx >= img.w || labels.at(yy, xx) != k;
        }
      for (int ch = 0; ch < 3; ++ch) {
        float v = grey;
        if (k > 0) {
          const float c = palette[(k - 1) % 6][ch];
          v = edge ? c : (1 - alpha) * v + alpha * c;
        }
        out.data[size_t(ch) * n + i] = std::clamp(v, 0.f, 255.f);
      }
    }
  return out;
}

}  // namespace segrt
