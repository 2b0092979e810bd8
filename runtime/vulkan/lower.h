// Lowering of graph nodes to shader dispatches: which shader, which specialisation, which push
// constants, which values bind to the shader's storage buffers. Each op family registers its
// lowering in its own lower_<family>.cpp with SEGRT_VK_LOWER; an op without one is unsupported.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "runtime/vulkan/pipeline.h"

namespace segrt::vk {

// Binding value for scratch region k of a node (see Lowered::scratch).
constexpr int scratch(int k) {
  return -2 - k;
}

struct Dispatch {
  std::string shader;
  std::vector<int32_t> spec;  // specialisation constants 0, 1, ...
  PushParams p;
  std::vector<int> bind;    // binding i <- value id bind[i] (or scratch(k)); at most kBindings
  std::vector<int> writes;  // the bindings (indices into bind) the shader writes
  // Workgroups per axis; all 0: ceil(p.n / kWorkgroup) spread over x and y (see gid() in
  // shaders/common.glsl), for the shaders of 64 invocations per group.
  uint32_t groups[3] = {0, 0, 0};
};

struct Lowered {
  std::vector<Dispatch> dispatches;  // run in order
  std::vector<int64_t> scratch;      // elements of each scratch region the dispatches use
};

using LowerFn = std::function<Lowered(const Graph&, const Node&)>;

struct LowerRegistrar {
  LowerRegistrar(LowerFn fn, std::initializer_list<const char*> ops);
};
#define SEGRT_VK_CAT2(a, b) a##b
#define SEGRT_VK_CAT(a, b) SEGRT_VK_CAT2(a, b)
// SEGRT_VK_LOWER(fn, "op1", "op2", ...): fn lowers each of the ops.
#define SEGRT_VK_LOWER(fn, ...)                                                                   \
  [[maybe_unused]] static ::segrt::vk::LowerRegistrar SEGRT_VK_CAT(segrt_vk_lower_, __COUNTER__)( \
      fn, {__VA_ARGS__})

// Ops with a lowering.
bool has_shader(const std::string& op);
// The dispatches computing node `n`.
Lowered lower(const Graph& g, const Node& n);

// Helpers shared by the lowerings.
int32_t i32(int64_t v);  // throws when a size exceeds 32-bit indexing
// Bindings {inputs[0], inputs[1], output 0} (absent inputs alias the output), the output
// written: the layout of shaders/common.glsl's a, b, o.
Dispatch abo_dispatch(const Node& n, const std::string& shader, std::vector<int32_t> spec = {});
// The bits of v as a float, for a push-constant int word a shader reads with intBitsToFloat.
inline int32_t fbits(double v) {
  return std::bit_cast<int32_t>(static_cast<float>(v));
}
// The shape of value `v`.
inline const Shape& shape_of(const Graph& g, int v) {
  return g.value(v).shape;
}

}  // namespace segrt::vk
