// Tiny data sets and models for the command-line tests, made in temporary folders by the real
// binary (synth, train) or written with the library (odd PNGs, NIfTI volumes), and damaged on
// purpose in the tests.
#pragma once

#include <string>
#include <vector>

#include "tests/apps/cli.h"
#include "tests/data/test_util.h"

namespace segrt::test {

// `segrt synth` into dir/name: count RGB phantoms of size x size with binary masks.
std::string synth_data(const TempDir& dir, const std::string& name, int count, int size);

// `segrt train` of a small ORU-Net (base=4) on `data` at size x size for one short epoch into
// dir/name; returns the path of its last.segrt.
std::string train_tiny(const TempDir& dir, const std::string& name, const std::string& data,
                       int size = 32);

// A 2-D image of `channels` planes (1 grey, 3 RGB) with a gradient, written as 8-bit PNG.
void write_test_png(const std::string& path, int channels, int h, int w);

// dir/name/images/caseN.<ext> float volumes of `components` channels and dir/name/labels/
// caseN.<ext> uint8 labels (a box of class 1), nx x ny x nz, for N < count; ext is "nii" or
// "nii.gz". Returns dir/name.
std::string nifti_data(const TempDir& dir, const std::string& name, const std::string& ext,
                       int count, int nx, int ny, int nz, int components = 1);

// The file's bytes as they are after gzip decompression (plain files as they are).
std::vector<unsigned char> nifti_bytes(const std::string& path);
// Writes `bytes` to `path`, gzip-compressed when the name ends in .gz.
void put_nifti_bytes(const std::string& path, const std::vector<unsigned char>& bytes);

// Keeps the first `keep` bytes of the file.
void truncate_file(const std::string& path, size_t keep);
// `n` bytes of deterministic noise.
std::vector<unsigned char> noise_bytes(size_t n, uint32_t seed);

// Copies a folder tree.
void copy_tree(const std::string& from, const std::string& to);

}  // namespace segrt::test
