// The backend interface: a backend says which ops it supports and compiles a graph into a
// Program (ordered kernels over planned buffers) that can be run many times.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

class Program {
 public:
  virtual ~Program() = default;
  // Host <-> backend copies of one value (inputs, parameters, state, requested outputs).
  virtual void write(int value, const float* src) = 0;
  virtual void read(int value, float* dst) const = 0;
  virtual void run() = 0;
  virtual const Graph& graph() const = 0;
  // Bytes of activation memory the plan needs (one arena), and of persistent values.
  virtual size_t arena_bytes() const = 0;
  virtual size_t persistent_bytes() const = 0;
  // Bytes the program holds on its device: arena, persistent values and any scratch (what
  // `segrt bench` reports as peak memory).
  virtual size_t device_bytes() const { return arena_bytes() + persistent_bytes(); }
  // Wall time the compile spent creating device pipelines (Vulkan; 0 where a backend has
  // none). A driver may compile further at the first run, which the caller sees there.
  virtual double pipeline_ms() const { return 0; }

  // Per-kernel timing. With profiling on, each run() records one entry per kernel (dispatch) it
  // ran, in order: the node (its name, or "%<id>"), its op, the kernel (the shader or CPU
  // kernel) and the time in ms (device timestamps on GPUs, wall clock on the CPU). A backend
  // that cannot time ignores set_profiling and returns no entries; one whose device cannot
  // time throws Error from set_profiling(true) saying why.
  struct KernelTime {
    std::string node, op, kernel;
    double ms = 0;
  };
  virtual void set_profiling(bool on) {}
  // The entries of the last run() made with profiling on.
  virtual std::vector<KernelTime> kernel_times() const { return {}; }

  std::vector<float> read(int value) const {
    std::vector<float> r(static_cast<size_t>(numel(graph().value(value).shape)));
    read(value, r.data());
    return r;
  }
  void write(int value, const std::vector<float>& v) {
    if (static_cast<int64_t>(v.size()) != numel(graph().value(value).shape))
      throw Error("write: size " + std::to_string(v.size()) + " does not match value " +
                  shape_str(graph().value(value).shape));
    write(value, v.data());
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual bool supports(const Node& n) const = 0;
  // `outputs` are kept readable after run(); other activations may share memory.
  virtual std::unique_ptr<Program> compile(const Graph& g, const std::vector<int>& outputs) = 0;
};

// Backends compiled into this build, by name ("cpu", later "vulkan", "cuda").
std::vector<std::string> backend_names();
// "auto" picks the best present. Throws Error naming the backend when it is absent.
std::unique_ptr<Backend> make_backend(const std::string& name);

// How a backend stores float tensors on its device. Fp16: IEEE half storage, arithmetic in fp32
// (the Vulkan backend on a device with 16-bit storage buffers); inputs and outputs are still
// written and read as fp32 on the host.
enum class Precision { Fp32, Fp16 };
// "fp32" or "fp16"; anything else is an Error.
Precision parse_precision(const std::string& s);
const char* precision_name(Precision p);
// make_backend with a storage precision: Fp16 is an Error (saying why) unless the backend is
// Vulkan on a device that offers fp16 storage.
std::unique_ptr<Backend> make_backend(const std::string& name, Precision precision);

// A node's name for reports: its name, or "%<id>" when it has none.
std::string node_label(const Node& n);

// Refuses a graph with an op the backend does not support, naming the op and node.
void check_supported(const Backend& b, const Graph& g, const std::vector<int>& schedule);

}  // namespace segrt
