// The op contract: one definition per op (name, arity, shape inference, cost, gradient rule).
// Backward kernels are ops of their own, so autodiff emits ordinary graphs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

// What a gradient rule sees: the forward node, the graph it may add nodes to, and the
// gradients of the node's outputs (-1 where an output got no gradient).
struct GradContext {
  Graph& g;
  const Node& node;
  std::vector<int> dy;
  // Value ids of the forward node's inputs and outputs.
  int in(size_t i) const { return node.inputs.at(i); }
  int out(size_t i) const { return node.outputs.at(i); }
  const Shape& in_shape(size_t i) const { return g.value(in(i)).shape; }
};

using ShapeFn = std::function<std::vector<Shape>(const std::vector<Shape>&, const Attrs&)>;
// Floating-point operations of one run of the node (multiply-add = 2).
using FlopsFn = std::function<double(const std::vector<Shape>& in, const std::vector<Shape>& out,
                                     const Attrs&)>;
// Returns one gradient value id per forward input; -1 where the input takes no gradient.
using GradFn = std::function<std::vector<int>(GradContext&)>;

struct OpDef {
  std::string name;
  int min_inputs = 1, max_inputs = 1;
  ShapeFn infer;
  FlopsFn flops;             // null: one flop per output element
  GradFn grad;               // null: not differentiable (grad ops, updates, losses' own grads)
  std::vector<int> mutates;  // inputs written in place (optimizer updates, BN running stats)
  bool random = false;       // uses the counter-based RNG keyed by (seed, node, element)
};

class OpRegistry {
 public:
  static OpRegistry& get();
  void add(OpDef def);
  const OpDef& at(const std::string& name) const;  // throws Error for unknown ops
  const OpDef* find(const std::string& name) const;
  std::vector<std::string> names() const;
};

struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { OpRegistry::get().add(std::move(def)); }
};

#define SEGRT_CAT2(a, b) a##b
#define SEGRT_CAT(a, b) SEGRT_CAT2(a, b)
// Registers an op definition at static-initialisation time.
#define SEGRT_REGISTER_OP(def) \
  static ::segrt::OpRegistrar SEGRT_CAT(segrt_op_reg_, __COUNTER__)(def)

// Shape helpers used by op definitions.
void expect_rank(const Shape& s, size_t rank, const std::string& op, const std::string& what);
Shape broadcast_shapes(const Shape& a, const Shape& b, const std::string& op);
// Output extent of a strided window: (in + 2*pad - dil*(k-1) - 1) / stride + 1.
int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil);

}  // namespace segrt
