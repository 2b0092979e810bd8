// The CPU reference backend. CpuProgram<double> is used by the gradient checks.
#pragma once

#include <memory>
#include <vector>

#include "runtime/backend.h"
#include "runtime/cpu/kernel.h"
#include "runtime/memory_plan.h"

namespace segrt::cpu {

template <typename T>
class CpuProgram : public Program {
 public:
  CpuProgram(const Graph& g, const std::vector<int>& outputs);
  void write(int value, const float* src) override;
  void read(int value, float* dst) const override;
  void run() override;
  const Graph& graph() const override { return g_; }
  size_t arena_bytes() const override { return arena_.size() * sizeof(T); }
  size_t persistent_bytes() const override;
  // Wall-clock time per kernel (SEGRT_PROFILE=1 also prints a per-op summary to stderr).
  void set_profiling(bool on) override { profiling_ = on; }
  std::vector<KernelTime> kernel_times() const override { return times_; }

  // Direct access for tests and the double-precision gradient check.
  T* data(int value);
  const T* data(int value) const { return const_cast<CpuProgram*>(this)->data(value); }
  using Program::read;
  using Program::write;

 private:
  Graph g_;
  std::vector<int> schedule_;
  MemoryPlan plan_;
  std::vector<T> arena_;
  std::vector<std::vector<T>> persistent_;  // per value id; empty for activations
  struct Step {
    const Node* node;
    KernelFn<T> fn;
    std::vector<int> in, out;
  };
  std::vector<Step> steps_;
  bool profiling_ = false;
  std::vector<KernelTime> times_;  // of the last profiled run
};

class CpuBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  bool supports(const Node& n) const override;
  std::unique_ptr<Program> compile(const Graph& g, const std::vector<int>& outputs) override;
};

// Number of threads the CPU kernels use (OpenMP and BLAS); 0 = all cores.
void set_threads(int n);
int threads();

}  // namespace segrt::cpu
