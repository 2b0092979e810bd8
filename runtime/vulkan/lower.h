// Lowering of graph nodes to shader dispatches: which shader, which specialisation, which
// push constants, which values bind to the shader's inputs a and b.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"
#include "runtime/vulkan/pipeline.h"

namespace segrt::vk {

struct Dispatch {
  std::string shader;
  std::vector<int32_t> spec;
  PushParams p;
  std::vector<int> args;  // value ids bound to a, b (0 to 2 of them)
};

// Ops with a shader.
bool has_shader(const std::string& op);
// The dispatches computing node `n`, in order (one for most ops; concat has one per input).
std::vector<Dispatch> lower(const Graph& g, const Node& n);

}  // namespace segrt::vk
