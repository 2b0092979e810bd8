// NIfTI-1 volumes: .nii, .nii.gz, and .hdr/.img pairs (magic "ni1"), either byte order.
// Orientation (qform/sform) is not interpreted: volumes are kept in voxel-index order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace segrt {

// NIfTI-1 datatype codes that we read and write.
enum class NiftiType : int16_t {
  U8 = 2,
  I16 = 4,
  I32 = 8,
  F32 = 16,
  F64 = 64,
  I8 = 256,
  U16 = 512,
};
const char* nifti_type_name(NiftiType t);

// A volume of nx*ny*nz voxels and nt components (dim[4]: time or modality), stored as in the
// file, x fastest: data[((t * nz + z) * ny + y) * nx + x]. Values have scl_slope/scl_inter
// applied. Spacing is pixdim[1..3] in millimetres (1 where the file gives none).
struct Volume {
  int64_t nx = 0, ny = 0, nz = 1, nt = 1;
  std::array<double, 3> spacing = {1, 1, 1};
  std::vector<float> data;
  NiftiType stored_type = NiftiType::F32;  // the on-disk type (informative when reading)

  Volume() = default;
  Volume(int64_t x, int64_t y, int64_t z, int64_t t = 1)
      : nx(x), ny(y), nz(z), nt(t), data(size_t(x * y * z * t), 0.f) {}
  int64_t voxels() const { return nx * ny * nz; }
  float& at(int64_t x, int64_t y, int64_t z, int64_t t = 0) {
    return data[size_t(((t * nz + z) * ny + y) * nx + x)];
  }
  float at(int64_t x, int64_t y, int64_t z, int64_t t = 0) const {
    return data[size_t(((t * nz + z) * ny + y) * nx + x)];
  }
};

// Reads .nii / .nii.gz / .hdr(.gz) (data from the matching .img / .img.gz).
Volume read_nifti(const std::string& path);

struct NiftiWriteOptions {
  NiftiType type = NiftiType::F32;
  bool big_endian = false;  // for tests of byte-swapped files
};
// Writes .nii, or .nii.gz (gzip) by the file name. Integer types round each value and refuse
// (Error) any value outside the type's range, so a label map is never silently clipped.
void write_nifti(const std::string& path, const Volume& v, const NiftiWriteOptions& opt = {});

}  // namespace segrt
