// Elementwise ops: fill, add/sub/mul with broadcasting, scale, the reductions that undo a
// broadcast, and the activations with their gradient ops.
#include "graph/op_registry.h"

namespace segrt {
namespace {

std::vector<Shape> same_as_first(const std::vector<Shape>& in, const Attrs&) {
  return {in[0]};
}

// Sums `dy` down to `shape` when broadcasting widened it; a no-op otherwise.
int reduce_to(Graph& g, int dy, const Shape& shape) {
  if (g.value(dy).shape == shape) return dy;
  return g.add1("reduce_to", {dy}, {{"shape", shape}});
}

SEGRT_REGISTER_OP((OpDef{
    .name = "fill",
    .min_inputs = 0,
    .max_inputs = 0,
    .infer = [](const std::vector<Shape>&, const Attrs& a) -> std::vector<Shape> {
      return {a.ints("shape")};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
}));

std::vector<Shape> broadcast2(const std::vector<Shape>& in, const Attrs&) {
  return {broadcast_shapes(in[0], in[1], "binary op")};
}

SEGRT_REGISTER_OP((OpDef{
    .name = "add",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = broadcast2,
    .grad = [](GradContext& c) -> std::vector<int> {
      return {reduce_to(c.g, c.dy[0], c.in_shape(0)), reduce_to(c.g, c.dy[0], c.in_shape(1))};
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "sub",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = broadcast2,
    .grad = [](GradContext& c) -> std::vector<int> {
      int neg = c.g.add1("scale", {c.dy[0]}, {{"s", -1.0}});
      return {reduce_to(c.g, c.dy[0], c.in_shape(0)), reduce_to(c.g, neg, c.in_shape(1))};
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "mul",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = broadcast2,
    .grad = [](GradContext& c) -> std::vector<int> {
      int da = c.g.add1("mul", {c.dy[0], c.in(1)});
      int db = c.g.add1("mul", {c.dy[0], c.in(0)});
      return {reduce_to(c.g, da, c.in_shape(0)), reduce_to(c.g, db, c.in_shape(1))};
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "scale",
    .infer = same_as_first,
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("scale", {c.dy[0]}, c.node.attrs)};
    },
}));

// Sums over the axes where `shape` (same rank, or right-aligned) has extent 1.
SEGRT_REGISTER_OP((OpDef{
    .name = "reduce_to",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape s = a.ints("shape");
      if (broadcast_shapes(in[0], s, "reduce_to") != in[0])
        throw Error("reduce_to: " + shape_str(s) + " does not broadcast to " + shape_str(in[0]));
      return {s};
    },
    .flops = [](auto& in, auto&, auto&) { return double(numel(in[0])); },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("expand", {c.dy[0]}, {{"shape", c.in_shape(0)}})};
    },
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "expand",
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      Shape s = a.ints("shape");
      if (broadcast_shapes(in[0], s, "expand") != s)
        throw Error("expand: " + shape_str(in[0]) + " does not broadcast to " + shape_str(s));
      return {s};
    },
    .flops = [](auto&, auto&, auto&) { return 0.0; },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("reduce_to", {c.dy[0]}, {{"shape", c.in_shape(0)}})};
    },
}));

// Activations. The gradient op of an activation named A is A_grad(x_or_y, dy).
void activation(const std::string& name, bool grad_from_output, double flops_per_elem) {
  FlopsFn fl = [flops_per_elem](auto&, auto& out, auto&) {
    return flops_per_elem * double(numel(out[0]));
  };
  OpRegistry::get().add(OpDef{
      .name = name,
      .infer = same_as_first,
      .flops = fl,
      .grad = [name, grad_from_output](GradContext& c) -> std::vector<int> {
        int saved = grad_from_output ? c.out(0) : c.in(0);
        return {c.g.add1(name + "_grad", {saved, c.dy[0]}, c.node.attrs)};
      },
  });
  OpRegistry::get().add(OpDef{
      .name = name + "_grad",
      .min_inputs = 2,
      .max_inputs = 2,
      .infer = same_as_first,
      .flops = fl,
  });
}

struct RegisterActivations {
  RegisterActivations() {
    activation("relu", false, 1);
    activation("leaky_relu", false, 2);  // attr alpha
    activation("sigmoid", true, 4);
    activation("tanh", true, 4);
    activation("silu", false, 5);
  }
} register_activations;

}  // namespace
}  // namespace segrt
