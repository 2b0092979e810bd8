// Optimizer updates as ops, so a training step is one graph: `sgd_update` and `adam_update`
// write the parameter and the optimizer state in place (OpDef::mutates) and output [1], the
// sum of squares of the change applied to the parameter (a cheap health signal; requesting this
// output is also what schedules the update node). `hyper` = [learning rate, step], an input, so
// the schedule can change the learning rate without recompiling; step counts from 1.
#include "graph/op_registry.h"

namespace segrt {
namespace {

void expect_like(const std::vector<Shape>& in, size_t i, const std::string& op,
                 const std::string& what) {
  if (in[i] != in[0])
    throw Error(op + ": " + what + " " + shape_str(in[i]) + " must have the shape of param " +
                shape_str(in[0]));
}

void expect_hyper(const Shape& s, const std::string& op) {
  if (s != Shape{2})
    throw Error(op + ": hyper must be [2] = [learning rate, step], got " + shape_str(s));
}

void expect_known_attrs(const Attrs& a, const std::string& op,
                        std::initializer_list<const char*> known) {
  for (auto& [k, v] : a.all()) {
    bool ok = false;
    for (const char* n : known) ok |= k == n;
    if (!ok) throw Error(op + ": unknown attribute '" + k + "'");
  }
}

SEGRT_REGISTER_OP((OpDef{
    .name = "sgd_update",
    .min_inputs = 4,
    .max_inputs = 4,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "sgd_update";
      expect_known_attrs(a, op, {"momentum", "nesterov", "weight_decay"});
      expect_like(in, 1, op, "grad");
      expect_like(in, 2, op, "momentum_buf");
      expect_hyper(in[3], op);
      const double m = a.f("momentum", 0.0);
      if (!(m >= 0 && m < 1)) throw Error(op + ": momentum must be in [0, 1)");
      if (a.i("nesterov", 0) != 0 && m <= 0) throw Error(op + ": nesterov needs momentum > 0");
      if (!(a.f("weight_decay", 0.0) >= 0)) throw Error(op + ": weight_decay must be >= 0");
      return {Shape{1}};
    },
    .flops = [](auto& in, auto&, auto&) { return 8.0 * double(numel(in[0])); },
    .mutates = {0, 2},
}));

SEGRT_REGISTER_OP((OpDef{
    .name = "adam_update",
    .min_inputs = 5,
    .max_inputs = 5,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const std::string op = "adam_update";
      expect_known_attrs(a, op, {"beta1", "beta2", "eps", "weight_decay", "decoupled"});
      expect_like(in, 1, op, "grad");
      expect_like(in, 2, op, "m");
      expect_like(in, 3, op, "v");
      expect_hyper(in[4], op);
      const double b1 = a.f("beta1", 0.9), b2 = a.f("beta2", 0.999);
      if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
        throw Error(op + ": beta1 and beta2 must be in [0, 1)");
      if (!(a.f("eps", 1e-7) > 0)) throw Error(op + ": eps must be > 0");
      if (!(a.f("weight_decay", 0.0) >= 0)) throw Error(op + ": weight_decay must be >= 0");
      return {Shape{1}};
    },
    .flops = [](auto& in, auto&, auto&) { return 16.0 * double(numel(in[0])); },
    .mutates = {0, 2, 3},
}));

}  // namespace
}  // namespace segrt
