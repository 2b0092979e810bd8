// NIfTI-1: round trips for every datatype, byte order and file form; damaged files refused.
#include "runtime/data/nifti.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "graph/ir.h"
#include "tests/data/test_util.h"

namespace segrt::test {
namespace {

Volume ramp(int64_t nx, int64_t ny, int64_t nz, int64_t nt, float lo, float step) {
  Volume v(nx, ny, nz, nt);
  for (size_t i = 0; i < v.data.size(); ++i) v.data[i] = lo + step * float(i % 97);
  v.spacing = {0.5, 1.25, 2.0};
  return v;
}

void check_same(const Volume& a, const Volume& b) {
  CHECK(a.nx == b.nx);
  CHECK(a.ny == b.ny);
  CHECK(a.nz == b.nz);
  CHECK(a.nt == b.nt);
  for (int i = 0; i < 3; ++i) CHECK(a.spacing[i] == doctest::Approx(b.spacing[i]));
  CHECK(a.data == b.data);
}

template <class T>
void poke(std::vector<unsigned char>& b, size_t off, T v) {
  std::memcpy(&b[off], &v, sizeof v);
}

}  // namespace

TEST_CASE("nifti: every datatype round-trips through .nii and .nii.gz") {
  TempDir dir;
  struct Case {
    NiftiType type;
    float lo, step;
  };
  const Case cases[] = {{NiftiType::U8, 0, 2},           {NiftiType::I8, -48, 1},
                        {NiftiType::I16, -3000, 61},     {NiftiType::U16, 0, 650},
                        {NiftiType::I32, -100000, 2011}, {NiftiType::F32, -1.5f, 0.37f},
                        {NiftiType::F64, 3.25f, -0.11f}};
  for (const Case& c : cases)
    for (const char* ext : {".nii", ".nii.gz"}) {
      CAPTURE(nifti_type_name(c.type));
      CAPTURE(ext);
      const Volume v = ramp(5, 4, 3, 1, c.lo, c.step);
      const std::string path = dir / (std::string("v_") + nifti_type_name(c.type) + ext);
      write_nifti(path, v, {c.type, false});
      const Volume back = read_nifti(path);
      CHECK(back.stored_type == c.type);
      check_same(v, back);
    }
}

TEST_CASE("nifti: big-endian files, 4-D volumes and .hdr/.img pairs") {
  TempDir dir;
  const Volume v = ramp(6, 3, 2, 2, -7, 0.75f);
  write_nifti(dir / "be.nii", v, {NiftiType::F32, true});
  const auto bytes = file_bytes(dir / "be.nii");
  REQUIRE(bytes.size() >= 352);
  CHECK(bytes[0] == 0x00);  // sizeof_hdr 348 stored big-endian
  CHECK(bytes[3] == 0x5C);
  check_same(v, read_nifti(dir / "be.nii"));

  write_nifti(dir / "be16.nii.gz", ramp(4, 4, 4, 1, -500, 13), {NiftiType::I16, true});
  check_same(ramp(4, 4, 4, 1, -500, 13), read_nifti(dir / "be16.nii.gz"));

  write_nifti(dir / "pair.hdr", v, {NiftiType::I16, false});
  CHECK(file_bytes(dir / "pair.hdr").size() == 348);
  CHECK(file_bytes(dir / "pair.img").size() == v.data.size() * 2);
  Volume iv = v;
  for (float& x : iv.data) x = std::nearbyint(x);
  write_nifti(dir / "pair.hdr", iv, {NiftiType::I16, false});
  check_same(iv, read_nifti(dir / "pair.hdr"));
}

TEST_CASE("nifti: scl_slope and scl_inter are applied, pixdim units converted") {
  TempDir dir;
  Volume v(3, 2, 1);
  for (size_t i = 0; i < v.data.size(); ++i) v.data[i] = float(i);
  write_nifti(dir / "s.nii", v, {NiftiType::I16, false});
  auto b = file_bytes(dir / "s.nii");
  poke<float>(b, 112, 0.5f);  // scl_slope
  poke<float>(b, 116, 10.f);  // scl_inter
  b[123] = 3;                 // xyzt_units: micrometres
  poke<float>(b, 80, 250.f);  // pixdim[1] = 250 um
  put_bytes(dir / "s.nii", b);
  const Volume r = read_nifti(dir / "s.nii");
  for (size_t i = 0; i < r.data.size(); ++i) CHECK(r.data[i] == doctest::Approx(i * 0.5 + 10));
  CHECK(r.spacing[0] == doctest::Approx(0.25));
  CHECK(r.spacing[1] == doctest::Approx(0.001));

  poke<float>(b, 112, 0.f);  // slope 0: no scaling by the standard
  put_bytes(dir / "s.nii", b);
  CHECK(read_nifti(dir / "s.nii").data[5] == 5.f);
}

TEST_CASE("nifti: corrupt headers and truncated data are errors naming the file") {
  TempDir dir;
  const Volume v = ramp(8, 8, 8, 1, 0, 1);
  write_nifti(dir / "ok.nii", v, {NiftiType::F32, false});
  const auto good = file_bytes(dir / "ok.nii");

  auto damaged = [&](const std::string& name, auto edit) {
    auto b = good;
    edit(b);
    put_bytes(dir / name, b);
    return dir / name;
  };
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("size.nii", [](auto& b) { poke<int32_t>(b, 0, 1234); })),
                        "size.nii");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("size.nii", [](auto& b) { poke<int32_t>(b, 0, 1234); })),
                        "sizeof_hdr");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("magic.nii", [](auto& b) { b[345] = 'x'; })),
                        "magic.nii");
  SEGRT_CHECK_ERROR_HAS(
      read_nifti(damaged("dtype.nii", [](auto& b) { poke<int16_t>(b, 70, 999); })), "dtype.nii");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("bitpix.nii", [](auto& b) { poke<int16_t>(b, 72, 8); })),
                        "bitpix");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("dim0.nii", [](auto& b) { poke<int16_t>(b, 40, 9); })),
                        "dim0.nii");
  SEGRT_CHECK_ERROR_HAS(
      read_nifti(damaged("dimneg.nii", [](auto& b) { poke<int16_t>(b, 44, -3); })), "dimneg.nii");
  SEGRT_CHECK_ERROR_HAS(
      read_nifti(damaged("voxoff.nii", [](auto& b) { poke<float>(b, 108, 100.f); })), "vox_offset");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("cut.nii", [](auto& b) { b.resize(b.size() - 10); })),
                        "cut.nii");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("cut.nii", [](auto& b) { b.resize(b.size() - 10); })),
                        "truncated");
  SEGRT_CHECK_ERROR_HAS(read_nifti(damaged("hdr.nii", [](auto& b) { b.resize(200); })), "hdr.nii");
  SEGRT_CHECK_ERROR_HAS(read_nifti(dir / "absent.nii.gz"), "absent.nii.gz");

  // A gzip stream cut short: in the data, and in the trailer only.
  write_nifti(dir / "ok.nii.gz", v, {NiftiType::F32, false});
  const auto gz = file_bytes(dir / "ok.nii.gz");
  put_bytes(dir / "cut.nii.gz", {gz.begin(), gz.begin() + long(gz.size() / 2)});
  SEGRT_CHECK_ERROR_HAS(read_nifti(dir / "cut.nii.gz"), "cut.nii.gz");
  put_bytes(dir / "tail.nii.gz", {gz.begin(), gz.end() - 4});
  SEGRT_CHECK_ERROR_HAS(read_nifti(dir / "tail.nii.gz"), "tail.nii.gz");

  Volume big(2, 2, 1);
  big.data = {0, 1, 255, 256};
  SEGRT_CHECK_ERROR_HAS(write_nifti(dir / "u8.nii", big, {NiftiType::U8, false}), "u8.nii");
  SEGRT_CHECK_ERROR_HAS(write_nifti(dir / "x.png", big), "x.png");
}

}  // namespace segrt::test
