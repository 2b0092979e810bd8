#include "runtime/data/nifti.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include "graph/ir.h"

namespace segrt {
namespace {

constexpr int kHeaderSize = 348;

int32_t bswap32(int32_t v) {
  return int32_t(__builtin_bswap32(uint32_t(v)));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int type_bytes(NiftiType t) {
  switch (t) {
    case NiftiType::U8:
    case NiftiType::I8:
      return 1;
    case NiftiType::I16:
    case NiftiType::U16:
      return 2;
    case NiftiType::I32:
    case NiftiType::F32:
      return 4;
    case NiftiType::F64:
      return 8;
  }
  return 0;
}

bool known_type(int code) {
  switch (code) {
    case 2:
    case 4:
    case 8:
    case 16:
    case 64:
    case 256:
    case 512:
      return true;
  }
  return false;
}

// The header as bytes with typed access in the file's byte order.
class Header {
 public:
  Header(unsigned char* b, bool swap) : b_(b), swap_(swap) {}
  template <class T>
  T get(size_t off) const {
    unsigned char tmp[sizeof(T)];
    std::memcpy(tmp, b_ + off, sizeof(T));
    if (swap_) std::reverse(tmp, tmp + sizeof(T));
    T v;
    std::memcpy(&v, tmp, sizeof(T));
    return v;
  }
  template <class T>
  void put(size_t off, T v) {
    unsigned char tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T));
    if (swap_) std::reverse(tmp, tmp + sizeof(T));
    std::memcpy(b_ + off, tmp, sizeof(T));
  }

 private:
  unsigned char* b_;
  bool swap_;
};

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<gzFile_s, GzCloser>;

GzPtr open_read(const std::string& path) {
  GzPtr f(gzopen(path.c_str(), "rb"));
  if (!f) throw Error(path + ": cannot open NIfTI file");
  gzbuffer(f.get(), 1 << 17);
  return f;
}

// Reads up to n bytes; returns how many were read. A gzip stream that is damaged (as opposed
// to merely short) is an Error.
size_t read_some(const std::string& path, gzFile f, void* dst, size_t n) {
  size_t got = 0;
  auto* p = static_cast<unsigned char*>(dst);
  while (got < n) {
    const unsigned chunk = unsigned(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, p + got, chunk);
    if (r < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw Error(path + ": corrupt compressed data (" + (msg ? msg : "zlib error") + ")");
    }
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

// Why a read came up short, for the message: a gzip stream that stops early says so.
std::string short_note(gzFile f) {
  int err = Z_OK;
  gzerror(f, &err);
  return err == Z_BUF_ERROR ? "; the compressed stream ends early" : "";
}

void check_stream_end(const std::string& path, gzFile f) {
  // Reading on to the end makes zlib verify the gzip trailer (CRC and length).
  unsigned char sink[4096];
  while (true) {
    const int r = gzread(f, sink, sizeof sink);
    if (r > 0) continue;
    int err = 0;
    const char* msg = gzerror(f, &err);
    if (r < 0 || (err != Z_OK && err != Z_STREAM_END))
      throw Error(path + ": corrupt or truncated compressed data (" + (msg ? msg : "zlib error") +
                  ")");
    return;
  }
}

// A damaged header can declare far more data than the file holds (up to 2^63 bytes); refuse
// before allocating for it. `need` counts from the start of the (uncompressed) file. A gzip
// stream expands at most about 1032:1 (deflate's limit), so it bounds compressed files.
template <class Describe>
void check_capacity(const std::string& path, gzFile f, size_t need, Describe describe) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return;  // not a regular file: the reads will tell
  const bool compressed = gzdirect(f) == 0;
  const long double capacity = compressed ? 1100.0L * size : size;
  if (static_cast<long double>(need) > capacity)
    throw Error(path + ": truncated NIfTI data (the header declares " + describe() + ", " +
                std::to_string(need) + " bytes, but the " +
                (compressed
                     ? "compressed file of " + std::to_string(size) + " bytes cannot hold that much"
                     : "file has " + std::to_string(size) + " bytes") +
                ")");
}

template <class T>
void convert(const unsigned char* src, size_t n, bool swap, float* dst) {
  for (size_t i = 0; i < n; ++i) {
    unsigned char tmp[sizeof(T)];
    std::memcpy(tmp, src + i * sizeof(T), sizeof(T));
    if (swap) std::reverse(tmp, tmp + sizeof(T));
    T v;
    std::memcpy(&v, tmp, sizeof(T));
    dst[i] = static_cast<float>(v);
  }
}

std::string data_path_for_pair(const std::string& hdr_path) {
  const bool gz = ends_with(hdr_path, ".gz");
  const std::string base = hdr_path.substr(0, hdr_path.size() - (gz ? 7 : 4));
  return base + (gz ? ".img.gz" : ".img");
}

}  // namespace

const char* nifti_type_name(NiftiType t) {
  switch (t) {
    case NiftiType::U8:
      return "uint8";
    case NiftiType::I16:
      return "int16";
    case NiftiType::I32:
      return "int32";
    case NiftiType::F32:
      return "float32";
    case NiftiType::F64:
      return "float64";
    case NiftiType::I8:
      return "int8";
    case NiftiType::U16:
      return "uint16";
  }
  return "?";
}

Volume read_nifti(const std::string& path) {
  GzPtr f = open_read(path);
  unsigned char raw[kHeaderSize];
  const size_t got = read_some(path, f.get(), raw, kHeaderSize);
  if (got < kHeaderSize)
    throw Error(path + ": truncated NIfTI header (" + std::to_string(got) + " of 348 bytes" +
                short_note(f.get()) + ")");

  // Byte order from sizeof_hdr, which must read as 348 one way or the other.
  int32_t sz;
  std::memcpy(&sz, raw, 4);
  bool swap = false;
  if (sz != kHeaderSize) {
    if (bswap32(sz) == kHeaderSize) {
      swap = true;
    } else if (sz == 540 || bswap32(sz) == 540) {
      throw Error(path + ": NIfTI-2 files are not supported (sizeof_hdr 540)");
    } else {
      throw Error(path + ": not a NIfTI-1 file (sizeof_hdr is " + std::to_string(sz) +
                  ", expected 348)");
    }
  }
  Header h(raw, swap);

  const std::string magic(reinterpret_cast<const char*>(raw + 344), 3);
  const bool single = magic == "n+1";
  if (!single && magic != "ni1")
    throw Error(path +
                ": bad NIfTI-1 magic (expected \"n+1\" or \"ni1\"; ANALYZE 7.5 files are "
                "not supported)");
  if (raw[347] != 0) throw Error(path + ": bad NIfTI-1 magic (fourth byte not zero)");

  int16_t dim[8];
  for (int i = 0; i < 8; ++i) dim[i] = h.get<int16_t>(40 + 2 * i);
  if (dim[0] < 1 || dim[0] > 7)
    throw Error(path + ": invalid dim[0] = " + std::to_string(dim[0]) + " (must be 1..7)");
  for (int i = 1; i <= dim[0]; ++i)
    if (dim[i] < 1)
      throw Error(path + ": invalid dim[" + std::to_string(i) + "] = " + std::to_string(dim[i]));
  for (int i = 5; i <= dim[0]; ++i)
    if (dim[i] != 1)
      throw Error(path + ": volumes of more than 4 dimensions are not supported (dim[" +
                  std::to_string(i) + "] = " + std::to_string(dim[i]) + ")");

  const int16_t code = h.get<int16_t>(70);
  if (!known_type(code))
    throw Error(path + ": unsupported NIfTI datatype code " + std::to_string(code) +
                " (supported: uint8, int8, int16, uint16, int32, float32, float64)");
  const auto type = static_cast<NiftiType>(code);
  const int16_t bitpix = h.get<int16_t>(72);
  if (bitpix != 8 * type_bytes(type))
    throw Error(path + ": bitpix " + std::to_string(bitpix) + " does not match datatype " +
                nifti_type_name(type));

  const float vox_offset = h.get<float>(108);
  // The upper bound keeps the size_t conversion below defined; no real header is that long.
  if (!std::isfinite(vox_offset) || vox_offset < 0 || vox_offset != std::floor(vox_offset) ||
      vox_offset > 0x1p40f || (single && vox_offset < 352))
    throw Error(path + ": invalid vox_offset " + std::to_string(vox_offset) +
                (single ? " (a .nii file needs at least 352)" : ""));

  Volume v;
  v.nx = dim[1];
  v.ny = dim[0] >= 2 ? dim[2] : 1;
  v.nz = dim[0] >= 3 ? dim[3] : 1;
  v.nt = dim[0] >= 4 ? dim[4] : 1;
  v.stored_type = type;

  const int units = raw[123] & 7;
  const double unit_mm = units == 1 ? 1000.0 : units == 3 ? 0.001 : 1.0;
  for (int i = 0; i < 3; ++i) {
    const double p = std::fabs(double(h.get<float>(80 + 4 * i)));
    v.spacing[i] = std::isfinite(p) && p > 0 ? p * unit_mm : 1.0;
  }

  const size_t count = size_t(v.nx) * v.ny * v.nz * v.nt;
  const size_t bytes = count * size_t(type_bytes(type));

  // Data: after the header (and any extensions) in a .nii, or in the matching .img file.
  GzPtr data_file;
  std::string data_path = path;
  gzFile df = f.get();
  size_t skip = size_t(vox_offset);
  if (single) {
    skip -= kHeaderSize;
  } else {
    data_path = data_path_for_pair(path);
    data_file = open_read(data_path);
    df = data_file.get();
  }
  check_capacity(data_path, df, (single ? kHeaderSize : 0) + skip + bytes, [&] {
    return std::to_string(v.nx) + "x" + std::to_string(v.ny) + "x" + std::to_string(v.nz) + "x" +
           std::to_string(v.nt) + " " + nifti_type_name(type);
  });
  unsigned char sink[4096];
  for (size_t left = skip; left > 0;) {
    const size_t want = std::min(left, sizeof sink);
    if (read_some(data_path, df, sink, want) < want)
      throw Error(data_path + ": truncated NIfTI file (ends before vox_offset " +
                  std::to_string(size_t(vox_offset)) + short_note(df) + ")");
    left -= want;
  }
  std::vector<unsigned char> buf(bytes);
  const size_t n = read_some(data_path, df, buf.data(), bytes);
  if (n < bytes)
    throw Error(data_path + ": truncated NIfTI data (" + std::to_string(n) + " of " +
                std::to_string(bytes) + " bytes for " + std::to_string(v.nx) + "x" +
                std::to_string(v.ny) + "x" + std::to_string(v.nz) + "x" + std::to_string(v.nt) +
                " " + nifti_type_name(type) + short_note(df) + ")");
  check_stream_end(data_path, df);

  v.data.resize(count);
  switch (type) {
    case NiftiType::U8:
      convert<uint8_t>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::I8:
      convert<int8_t>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::I16:
      convert<int16_t>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::U16:
      convert<uint16_t>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::I32:
      convert<int32_t>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::F32:
      convert<float>(buf.data(), count, swap, v.data.data());
      break;
    case NiftiType::F64:
      convert<double>(buf.data(), count, swap, v.data.data());
      break;
  }

  // scl_slope 0 (or not finite) means "no scaling" by the standard.
  const float slope = h.get<float>(112), inter = h.get<float>(116);
  if (std::isfinite(slope) && slope != 0 && std::isfinite(inter) && (slope != 1 || inter != 0))
    for (float& x : v.data) x = x * slope + inter;
  return v;
}

namespace {

template <class T>
void put_values(const std::string& path, const Volume& v, bool swap, unsigned char* dst) {
  for (size_t i = 0; i < v.data.size(); ++i) {
    T out;
    if constexpr (std::is_integral_v<T>) {
      const double r = std::nearbyint(double(v.data[i]));
      if (!(r >= double(std::numeric_limits<T>::min()) &&
            r <= double(std::numeric_limits<T>::max())))
        throw Error(path + ": value " + std::to_string(v.data[i]) + " at voxel " +
                    std::to_string(i) + " does not fit the requested integer type");
      out = static_cast<T>(r);
    } else {
      out = static_cast<T>(v.data[i]);
    }
    unsigned char tmp[sizeof(T)];
    std::memcpy(tmp, &out, sizeof(T));
    if (swap) std::reverse(tmp, tmp + sizeof(T));
    std::memcpy(dst + i * sizeof(T), tmp, sizeof(T));
  }
}

void write_all(const std::string& path, const std::vector<unsigned char>& bytes, bool gz) {
  GzPtr f(gzopen(path.c_str(), gz ? "wb6" : "wbT"));
  if (!f) throw Error(path + ": cannot create file");
  size_t done = 0;
  while (done < bytes.size()) {
    const unsigned chunk = unsigned(std::min<size_t>(bytes.size() - done, 1u << 30));
    if (gzwrite(f.get(), bytes.data() + done, chunk) != int(chunk))
      throw Error(path + ": write failed");
    done += chunk;
  }
  if (gzclose(f.release()) != Z_OK) throw Error(path + ": write failed on close");
}

}  // namespace

void write_nifti(const std::string& path, const Volume& v, const NiftiWriteOptions& opt) {
  const bool pair = ends_with(path, ".hdr") || ends_with(path, ".hdr.gz");
  const bool gz = ends_with(path, ".gz");
  if (!pair && !ends_with(path, ".nii") && !ends_with(path, ".nii.gz"))
    throw Error(path + ": a NIfTI file name must end in .nii, .nii.gz, .hdr or .hdr.gz");
  if (v.nx < 1 || v.ny < 1 || v.nz < 1 || v.nt < 1 || v.nx > 32767 || v.ny > 32767 ||
      v.nz > 32767 || v.nt > 32767 || v.data.size() != size_t(v.nx * v.ny * v.nz * v.nt))
    throw Error(path + ": invalid volume size for NIfTI-1");
  const bool swap = opt.big_endian != (std::endian::native == std::endian::big);

  const size_t offset = pair ? 0 : 352;
  const size_t bytes = v.data.size() * size_t(type_bytes(opt.type));
  std::vector<unsigned char> out(pair ? kHeaderSize : offset + bytes, 0);
  Header h(out.data(), swap);
  h.put<int32_t>(0, kHeaderSize);
  const int16_t ndim = v.nt > 1 ? 4 : 3;
  const int16_t dim[8] = {ndim, int16_t(v.nx), int16_t(v.ny), int16_t(v.nz), int16_t(v.nt), 1, 1,
                          1};
  for (int i = 0; i < 8; ++i) h.put<int16_t>(40 + 2 * i, dim[i]);
  h.put<int16_t>(70, int16_t(opt.type));
  h.put<int16_t>(72, int16_t(8 * type_bytes(opt.type)));
  const float pixdim[8] = {
      1, float(v.spacing[0]), float(v.spacing[1]), float(v.spacing[2]), 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) h.put<float>(76 + 4 * i, pixdim[i]);
  h.put<float>(108, float(offset));
  h.put<float>(112, 1.f);  // scl_slope
  h.put<float>(116, 0.f);  // scl_inter
  out[123] = 2;            // xyzt_units: millimetres
  // sform: voxel index times spacing, so viewers show the right physical size.
  h.put<int16_t>(254, 2);
  h.put<float>(280, float(v.spacing[0]));
  h.put<float>(296 + 4, float(v.spacing[1]));
  h.put<float>(312 + 8, float(v.spacing[2]));
  std::memcpy(out.data() + 148, "segrt", 5);
  std::memcpy(out.data() + 344, pair ? "ni1\0" : "n+1\0", 4);

  std::vector<unsigned char> payload;
  unsigned char* dst;
  if (pair) {
    payload.resize(bytes);
    dst = payload.data();
  } else {
    dst = out.data() + offset;
  }
  switch (opt.type) {
    case NiftiType::U8:
      put_values<uint8_t>(path, v, swap, dst);
      break;
    case NiftiType::I8:
      put_values<int8_t>(path, v, swap, dst);
      break;
    case NiftiType::I16:
      put_values<int16_t>(path, v, swap, dst);
      break;
    case NiftiType::U16:
      put_values<uint16_t>(path, v, swap, dst);
      break;
    case NiftiType::I32:
      put_values<int32_t>(path, v, swap, dst);
      break;
    case NiftiType::F32:
      put_values<float>(path, v, swap, dst);
      break;
    case NiftiType::F64:
      put_values<double>(path, v, swap, dst);
      break;
  }
  write_all(path, out, gz);
  if (pair) write_all(data_path_for_pair(path), payload, gz);
}

}  // namespace segrt
