// Helpers the whole-network Vulkan tests share: whether the Vulkan backend is there, and the
// normalised squared error of an output against the CPU's.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/backend.h"

namespace segrt::test {

// The build has the Vulkan backend and a device opens.
inline bool have_vulkan() {
  const auto names = backend_names();
  return std::find(names.begin(), names.end(), "vulkan") != names.end();
}

// sum (got - ref)^2 / sum ref^2, in double.
inline double nmse(const std::vector<float>& got, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = double(got[i]) - double(ref[i]);
    num += d * d;
    den += double(ref[i]) * double(ref[i]);
  }
  return num / std::max(den, 1e-30);
}

}  // namespace segrt::test
