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
