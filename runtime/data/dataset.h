// Segmentation data sets read from a folder: 2-D images with masks, or NIfTI volumes with label
// volumes sliced to 2-D. See docs/data.md for the layouts and options.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/data/image.h"
#include "runtime/data/nifti.h"

namespace segrt {

struct Sample {
  Image image;                          // [C,H,W], normalised as the options say
  LabelMap labels;                      // [H,W] class indices, 0 = background
  double spacing_y = 1, spacing_x = 1;  // mm per pixel along rows and columns; 1 if unknown
  std::string id;                       // "name" (2-D) or "name:z017" (a slice)
  std::string group;  // the file it came from; a split never puts one group on two sides
};

struct DatasetOptions {
  std::string layout = "auto";  // auto | folder | nifti
  // Number of classes including background. Folder masks: 0 or 2 = binary masks (grey > 127
  // is foreground; masks holding only 0 and 1 are taken as class indices), K >= 3 = grey
  // values 0..K-1 are class indices. NIfTI: 0 = max label + 1 over the set, K = labels
  // must lie in 0..K-1.
  int classes = 0;
  // Folder images: auto (keep the file's channels, dropping a constant alpha), grey, rgb, rgba.
  // Every image must end with the same channel count.
  std::string channels = "auto";
  // Intensities: auto (folder: unit, NIfTI: zscore), unit (divide by 255, or 65535 for 16-bit
  // PNG), zscore, minmax (to [0,1]), none. Folder images are normalised per image, NIfTI per
  // volume and per channel.
  std::string normalize = "auto";
  int axis = 2;  // NIfTI: slicing axis (0 = x, 1 = y, 2 = z)
  // NIfTI: slices whose foreground fraction is <= min_foreground are dropped (-1 keeps all;
  // 0 drops slices without foreground), except a keep_empty fraction of them, evenly spaced.
  double min_foreground = -1;
  double keep_empty = 0;
  int resize_h = 0, resize_w = 0;  // resize every sample at load (0 = keep the native size)
  size_t limit = 0;                // load only the first N files by name (0 = all)
};

// One file (2-D image, or volume) and its label file.
struct DatasetItem {
  std::string id, image_path, label_path;
};

struct Dataset {
  std::string root, layout;
  int num_classes = 2;
  int channels = 0;
  std::vector<Sample> samples;
};

// "folder" or "nifti", by what DIR/images holds; Error saying what is missing otherwise.
std::string detect_layout(const std::string& dir);
// The items of DIR, sorted by id; Error naming any image without a label file and vice versa.
std::vector<DatasetItem> list_items(const std::string& dir, const std::string& layout);
Dataset load_dataset(const std::string& dir, const DatasetOptions& opt = {});

// One 2-D image and mask pair, as load_dataset reads it.
Sample load_folder_item(const DatasetItem& item, const DatasetOptions& opt);
// The slices of one NIfTI pair, as load_dataset reads them.
std::vector<Sample> load_nifti_item(const DatasetItem& item, const DatasetOptions& opt);

// The inverse of slicing: label maps of consecutive slices along `axis` (all of a volume's
// slices, as load_nifti_item gives them with min_foreground = -1 and no resize) stacked back
// into a volume, e.g. to write predicted labels as NIfTI. Spacing is per volume axis (x, y, z).
Volume volume_from_slices(const std::vector<LabelMap>& slices, int axis,
                          const std::array<double, 3>& spacing);

// A deterministic split of a data set's groups (files) by seed: fractions must be >= 0 and sum
// to 1. Sample indices in data-set order.
struct Split {
  std::vector<size_t> train, val, test;
};
Split split_dataset(const Dataset& ds, double train, double val, double test, uint64_t seed);
Dataset subset(const Dataset& ds, const std::vector<size_t>& indices);

}  // namespace segrt
