#include "runtime/backend.h"

#include "runtime/cpu/cpu_backend.h"
#ifdef SEGRT_HAVE_VULKAN
#include "runtime/vulkan/vulkan_backend.h"
#endif

namespace segrt {

std::vector<std::string> backend_names() {
  std::vector<std::string> r = {"cpu"};
#ifdef SEGRT_HAVE_VULKAN
  if (vk::vulkan_available()) r.push_back("vulkan");
#endif
  return r;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  // "auto": a Vulkan GPU when one opens; a CPU Vulkan device (lavapipe) runs shaders on the
  // same cores far slower than the CPU backend's BLAS, so there the CPU backend.
#ifdef SEGRT_HAVE_VULKAN
  if (name == "auto" && vk::vulkan_gpu_available()) return std::make_unique<vk::VulkanBackend>();
#endif
  if (name == "cpu" || name == "auto") return std::make_unique<cpu::CpuBackend>();
#ifdef SEGRT_HAVE_VULKAN
  if (name == "vulkan") return std::make_unique<vk::VulkanBackend>();
  const std::string avail = vk::vulkan_available() ? "cpu, vulkan" : "cpu";
#else
  const std::string avail = "cpu";
  if (name == "vulkan") throw Error("backend 'vulkan' is not part of this build (available: cpu)");
#endif
  if (name == "cuda")
    throw Error("backend 'cuda' is not part of this build (available: " + avail + ")");
  throw Error("unknown backend '" + name + "' (available: " + avail + ", auto)");
}

Precision parse_precision(const std::string& s) {
  if (s == "fp32") return Precision::Fp32;
  if (s == "fp16") return Precision::Fp16;
  throw Error("unknown precision '" + s + "' (fp32, fp16)");
}

const char* precision_name(Precision p) {
  return p == Precision::Fp16 ? "fp16" : "fp32";
}

std::unique_ptr<Backend> make_backend(const std::string& name, Precision precision) {
  if (precision == Precision::Fp32) return make_backend(name);
#ifdef SEGRT_HAVE_VULKAN
  if (name == "vulkan" || (name == "auto" && vk::vulkan_gpu_available()))
    return std::make_unique<vk::VulkanBackend>(precision);
#endif
  make_backend(name);  // an unknown or absent backend says so first
  throw Error("precision fp16 needs the vulkan backend (fp16 device storage); backend '" + name +
              "'" + (name == "auto" ? " chose cpu," : "") + " computes and stores fp32");
}

std::string node_label(const Node& n) {
  return n.name.empty() ? "%" + std::to_string(n.id) : n.name;
}

void check_supported(const Backend& b, const Graph& g, const std::vector<int>& schedule) {
  for (int n : schedule) {
    const Node& node = g.node(n);
    if (!b.supports(node))
      throw Error(b.name() + " backend does not support op '" + node.op + "'" +
                  (node.name.empty() ? "" : " (node '" + node.name + "')"));
  }
}

}  // namespace segrt
