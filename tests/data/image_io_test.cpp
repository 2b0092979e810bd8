// Image files: PNG/JPEG/BMP round trips and damaged files that must be refused by name.
#include "runtime/data/image_io.h"

#include <doctest/doctest.h>
#include <stb_image_write.h>
#include <zlib.h>

#include <cmath>

#include "graph/ir.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

Image pattern(int c, int h, int w) {
  Image img(c, h, w);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img.at(ch, y, x) = float((ch * 71 + y * 13 + x * 7) % 256);
  return img;
}

void put_be32(std::vector<unsigned char>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
}

void put_chunk(std::vector<unsigned char>& b, const char* type,
               const std::vector<unsigned char>& data) {
  put_be32(b, uint32_t(data.size()));
  const size_t start = b.size();
  b.insert(b.end(), type, type + 4);
  b.insert(b.end(), data.begin(), data.end());
  put_be32(b, uint32_t(crc32(0, &b[start], uInt(b.size() - start))));
}

// A 16-bit grey PNG written by hand (stb_image_write only writes 8 bits).
std::vector<unsigned char> png16(int h, int w, const std::vector<uint16_t>& v) {
  std::vector<unsigned char> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<unsigned char> ihdr;
  put_be32(ihdr, uint32_t(w));
  put_be32(ihdr, uint32_t(h));
  ihdr.insert(ihdr.end(), {16, 0, 0, 0, 0});  // depth 16, grey, no interlace
  put_chunk(b, "IHDR", ihdr);
  std::vector<unsigned char> raw;
  for (int y = 0; y < h; ++y) {
    raw.push_back(0);  // filter: none
    for (int x = 0; x < w; ++x) {
      raw.push_back(static_cast<unsigned char>(v[size_t(y) * w + x] >> 8));
      raw.push_back(static_cast<unsigned char>(v[size_t(y) * w + x] & 0xFF));
    }
  }
  uLongf len = compressBound(uLong(raw.size()));
  std::vector<unsigned char> z(len);
  REQUIRE(compress(z.data(), &len, raw.data(), uLong(raw.size())) == Z_OK);
  z.resize(len);
  put_chunk(b, "IDAT", z);
  put_chunk(b, "IEND", {});
  return b;
}

}  // namespace

TEST_CASE("image_io: PNG round trip keeps grey, grey+alpha, RGB and RGBA exactly") {
  TempDir dir;
  for (int c = 1; c <= 4; ++c) {
    CAPTURE(c);
    const Image img = pattern(c, 5, 7);
    const std::string path = dir / (std::to_string(c) + "ch.png");
    write_png(path, img);
    ImageInfo info;
    const Image back = read_image(path, &info);
    CHECK(info.format == "png");
    CHECK(info.bits == 8);
    CHECK(back.c == c);
    CHECK(back.h == 5);
    CHECK(back.w == 7);
    CHECK(back.data == img.data);
  }
}

TEST_CASE("image_io: label PNG and 16-bit PNG") {
  TempDir dir;
  LabelMap lab(3, 4);
  lab.at(1, 2) = 1;
  lab.at(2, 3) = 1;
  write_label_png(dir / "m.png", lab);
  const Image m = read_image(dir / "m.png");
  REQUIRE(m.c == 1);
  CHECK(m.at(0, 1, 2) == 255.f);
  CHECK(m.at(0, 2, 3) == 255.f);
  CHECK(m.at(0, 0, 0) == 0.f);
  lab.at(0, 0) = 2;
  SEGRT_CHECK_ERROR_HAS(write_label_png(dir / "bad.png", lab, 255), "bad.png");

  std::vector<uint16_t> v = {0, 1, 256, 40000, 65535, 12345};
  put_bytes(dir / "d16.png", png16(2, 3, v));
  ImageInfo info;
  const Image img = read_image(dir / "d16.png", &info);
  CHECK(info.bits == 16);
  CHECK(info.max_value() == 65535.f);
  REQUIRE(img.data.size() == v.size());
  for (size_t i = 0; i < v.size(); ++i) CHECK(img.data[i] == float(v[i]));
}

TEST_CASE("image_io: BMP exact and JPEG close") {
  TempDir dir;
  Image img = pattern(3, 8, 9);
  std::vector<unsigned char> inter(size_t(8) * 9 * 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 9; ++x)
      for (int ch = 0; ch < 3; ++ch)
        inter[(size_t(y) * 9 + x) * 3 + ch] = static_cast<unsigned char>(img.at(ch, y, x));
  REQUIRE(stbi_write_bmp((dir / "a.bmp").c_str(), 9, 8, 3, inter.data()));
  ImageInfo info;
  CHECK(read_image(dir / "a.bmp", &info).data == img.data);
  CHECK(info.format == "bmp");

  // A flat grey picture survives JPEG at quality 100 within a level or two.
  std::vector<unsigned char> flat(16 * 16, 100);
  REQUIRE(stbi_write_jpg((dir / "a.jpg").c_str(), 16, 16, 1, flat.data(), 100));
  const Image j = read_image(dir / "a.jpg", &info);
  CHECK(info.format == "jpeg");
  REQUIRE(j.c == 3);  // stb writes every JPEG as YCbCr
  for (float v : j.data) CHECK(std::fabs(v - 100.f) <= 2.f);
  auto tail = file_bytes(dir / "a.jpg");  // bytes after the end-of-image marker are harmless
  tail.insert(tail.end(), {0x00, 0x12, 0xFF, 0xDA});
  put_bytes(dir / "tail.jpg", tail);
  CHECK(read_image(dir / "tail.jpg").data == j.data);
}

TEST_CASE("image_io: damaged and foreign files are errors naming the file") {
  TempDir dir;
  write_png(dir / "good.png", pattern(3, 32, 32));
  const std::vector<unsigned char> good = file_bytes(dir / "good.png");

  put_bytes(dir / "half.png", {good.begin(), good.begin() + long(good.size() / 2)});
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "half.png"), "half.png");
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "half.png"), "truncated");

  put_bytes(dir / "noend.png", {good.begin(), good.end() - 12});  // IEND cut off
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "noend.png"), "noend.png");

  std::vector<unsigned char> flipped = good;
  flipped[flipped.size() - 20] ^= 0x55;  // inside IDAT
  put_bytes(dir / "crc.png", flipped);
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "crc.png"), "crc.png");

  std::vector<unsigned char> garbage(300);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<unsigned char>(i * 37 + 11);
  put_bytes(dir / "garbage.png", garbage);
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "garbage.png"), "garbage.png");

  put_bytes(dir / "empty.png", {});
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "empty.png"), "empty.png");
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "absent.png"), "absent.png");

  std::vector<unsigned char> grey(32 * 32, 7);
  REQUIRE(stbi_write_jpg((dir / "a.jpg").c_str(), 32, 32, 1, grey.data(), 90));
  const auto jpg = file_bytes(dir / "a.jpg");
  put_bytes(dir / "cut.jpg", {jpg.begin(), jpg.begin() + long(jpg.size() * 2 / 3)});
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "cut.jpg"), "cut.jpg");

  REQUIRE(stbi_write_bmp((dir / "a.bmp").c_str(), 32, 32, 1, grey.data()));
  const auto bmp = file_bytes(dir / "a.bmp");
  put_bytes(dir / "cut.bmp", {bmp.begin(), bmp.begin() + long(bmp.size() - 100)});
  SEGRT_CHECK_ERROR_HAS(read_image(dir / "cut.bmp"), "cut.bmp");

  Image out_of_range(1, 2, 2, 300.f);
  SEGRT_CHECK_ERROR_HAS(write_png(dir / "big.png", out_of_range), "big.png");
}

TEST_CASE("image_io: overlay tints foreground classes and checks sizes") {
  Image img(1, 5, 5, 10.f);
  img.at(0, 0, 0) = 20.f;
  LabelMap lab(5, 5);
  for (int y = 1; y <= 3; ++y)
    for (int x = 1; x <= 3; ++x) lab.at(y, x) = 1;
  const Image o = overlay(img, lab, 0.5f);
  REQUIRE(o.c == 3);
  for (int ch = 0; ch < 3; ++ch) {
    CHECK(o.at(ch, 0, 0) == doctest::Approx(255.f));  // brightest pixel, untinted grey
    CHECK(o.at(ch, 4, 4) == doctest::Approx(0.f));    // background stays grey
  }
  CHECK(o.at(0, 2, 2) == doctest::Approx(0.5f * 255.f));  // interior: black blended with red
  CHECK(o.at(1, 2, 2) == doctest::Approx(0.5f * 40.f));
  CHECK(o.at(0, 1, 1) == doctest::Approx(255.f));  // outline: the class colour itself
  CHECK(o.at(1, 1, 1) == doctest::Approx(40.f));
  Image rgb(3, 1, 1, 0.f);
  rgb.at(0, 0, 0) = 90.f;  // a colour image becomes grey: each plane the mean
  const Image g = overlay(rgb, LabelMap(1, 1), 0.5f);
  CHECK(g.at(0, 0, 0) == g.at(1, 0, 0));
  SEGRT_CHECK_ERROR_HAS(overlay(img, LabelMap(3, 2), 0.5f), "differ");
}

}  // namespace segrt::test
