#include "runtime/vulkan/lower.h"

#include <limits>
#include <map>

namespace segrt::vk {
namespace {

std::map<std::string, LowerFn>& registry() {
  static std::map<std::string, LowerFn> r;
  return r;
}

}  // namespace

LowerRegistrar::LowerRegistrar(LowerFn fn, std::initializer_list<const char*> ops) {
  for (const char* op : ops) registry()[op] = fn;
}

bool has_shader(const std::string& op) {
  return registry().count(op) != 0;
}

Lowered lower(const Graph& g, const Node& n) {
  auto it = registry().find(n.op);
  if (it == registry().end()) throw Error("vulkan: no shader for op '" + n.op + "'");
  Lowered l = it->second(g, n);
  for (const Dispatch& d : l.dispatches) {
    if (d.bind.empty() || d.bind.size() > kBindings)
      throw Error("vulkan: " + n.op + " lowers to a dispatch of " + std::to_string(d.bind.size()) +
                  " bindings");
    for (int b : d.bind)
      if (b < 0 && -2 - b >= static_cast<int>(l.scratch.size()))
        throw Error("vulkan: " + n.op + " binds a scratch region it did not ask for");
  }
  return l;
}

int32_t i32(int64_t v) {
  if (v > std::numeric_limits<int32_t>::max())
    throw Error("vulkan: tensor of " + std::to_string(v) + " elements exceeds 32-bit indexing");
  return static_cast<int32_t>(v);
}

Dispatch abo_dispatch(const Node& n, const std::string& shader, std::vector<int32_t> spec) {
  Dispatch d;
  d.shader = shader;
  d.spec = std::move(spec);
  const int out = n.outputs.at(0);
  d.bind = {out, out, out};
  for (size_t i = 0; i < n.inputs.size() && i < 2; ++i) d.bind[i] = n.inputs[i];
  d.writes = {2};
  return d;
}

}  // namespace segrt::vk
