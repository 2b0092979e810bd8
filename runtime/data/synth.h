// Synthetic brain-MRI-like phantoms for tests, examples and benchmarks without real data:
// an elliptical head with a skull ring, textured brain tissue, two ventricles and a tumour
// (an irregular core inside an edema ring), seen through 3 (T1, T2, FLAIR) or 4 (T1, T1ce,
// T2, FLAIR) contrasts. A pure function of (seed, index).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/data/dataset.h"

namespace segrt {

struct SynthOptions {
  int count = 100;
  int height = 128, width = 128;
  int channels = 3;           // 3: T1, T2, FLAIR; 4: T1, T1ce, T2, FLAIR
  bool multiclass = false;    // false: 1 = whole tumour; true: 1 = edema, 2 = core
  double empty_fraction = 0;  // share of samples drawn without a tumour
  uint64_t seed = 1;
};

// Sample `index`: intensities in [0,1] on the 8-bit grid (k/255), so writing it as PNG and
// reading it back with normalize=unit gives the same values.
Sample synth_sample(const SynthOptions& opt, int index);

// Writes DIR/images/synth_NNNN.png and DIR/masks/synth_NNNN.png (the 2-D folder layout):
// 3 channels as RGB, 4 as RGBA; masks binary 0/255, or class indices 0..2 as grey values
// (read them back with classes = 3).
void write_synth_dataset(const std::string& dir, const SynthOptions& opt);

}  // namespace segrt
