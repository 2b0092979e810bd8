#include "runtime/backend.h"

#include "runtime/cpu/cpu_backend.h"

namespace segrt {

std::vector<std::string> backend_names() { return {"cpu"}; }

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "cpu" || name == "auto") return std::make_unique<cpu::CpuBackend>();
  if (name == "vulkan" || name == "cuda")
    throw Error("backend '" + name + "' is not part of this build (available: cpu)");
  throw Error("unknown backend '" + name + "' (available: cpu, auto)");
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
