#include "tests/apps/cli_data.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <stdexcept>

#include "runtime/data/image_io.h"
#include "runtime/data/nifti.h"

namespace fs = std::filesystem;

namespace segrt::test {

std::string synth_data(const TempDir& dir, const std::string& name, int count, int size) {
  const std::string out = dir / name;
  CliResult r = run_segrt({"synth", "--out", out, "--count", std::to_string(count), "--size",
                           std::to_string(size) + "x" + std::to_string(size)});
  check_success(r);
  REQUIRE(fs::is_directory(out + "/masks"));
  return out;
}

std::string train_tiny(const TempDir& dir, const std::string& name, const std::string& data,
                       int size) {
  const std::string out = dir / name;
  CliResult r = run_segrt({"train",    "--model",   "oru-net:base=4",
                           "--data",   data,        "--out",
                           out,        "--size",    std::to_string(size),
                           "--epochs", "1",         "--steps",
                           "1",        "--batch",   "2",
                           "--val",    "0.25",      "--test",
                           "0",        "--threads", "2",
                           "--quiet"});
  check_success(r);
  REQUIRE(fs::is_regular_file(out + "/last.segrt"));
  return out + "/last.segrt";
}

void write_test_png(const std::string& path, int channels, int h, int w) {
  Image img(channels, h, w);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img.at(c, y, x) = float((x * 5 + y * 3 + c * 40) % 256);
  write_png(path, img);
}

std::string nifti_data(const TempDir& dir, const std::string& name, const std::string& ext,
                       int count, int nx, int ny, int nz, int components) {
  const std::string root = dir / name;
  fs::create_directories(root + "/images");
  fs::create_directories(root + "/labels");
  for (int n = 0; n < count; ++n) {
    Volume img(nx, ny, nz, components), lab(nx, ny, nz);
    for (size_t i = 0; i < img.data.size(); ++i)
      img.data[i] = float((i * 2654435761u + size_t(n) * 97) % 1000) / 10.f;  // noise-like
    for (int z = 0; z < nz; ++z)
      for (int y = ny / 4; y < ny / 2 + n; ++y)
        for (int x = nx / 3; x < nx / 2 + 2; ++x) lab.at(x, y, z) = 1;
    const std::string file = "case" + std::to_string(n) + "." + ext;
    write_nifti(root + "/images/" + file, img);
    write_nifti(root + "/labels/" + file, lab, {.type = NiftiType::U8});
  }
  return root;
}

std::vector<unsigned char> nifti_bytes(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files as they are, too
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::vector<unsigned char> out;
  unsigned char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  if (n < 0) throw std::runtime_error(path + ": read error");
  return out;
}

void put_nifti_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  if (!path.ends_with(".gz")) {
    put_bytes(path, bytes);
    return;
  }
  gzFile f = gzopen(path.c_str(), "wb6");
  if (!f) throw std::runtime_error(path + ": cannot create");
  if (!bytes.empty() && gzwrite(f, bytes.data(), unsigned(bytes.size())) != int(bytes.size()))
    throw std::runtime_error(path + ": write error");
  if (gzclose(f) != Z_OK) throw std::runtime_error(path + ": close error");
}

void truncate_file(const std::string& path, size_t keep) {
  REQUIRE(fs::file_size(path) > keep);
  fs::resize_file(path, keep);
}

std::vector<unsigned char> noise_bytes(size_t n, uint32_t seed) {
  std::vector<unsigned char> b(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& c : b) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    c = static_cast<unsigned char>(s >> 24);
  }
  return b;
}

void copy_tree(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
}

}  // namespace segrt::test
