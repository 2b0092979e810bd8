// Optimizer update cases: not differentiable; the suite compares the output and the mutated
// parameter and state, f32 against f64.
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

// Fills hyper = [lr, step] (the last input) and keeps Adam's v (input 3 of 5) non-negative.
std::function<void(int, std::vector<double>&, uint64_t)> hyper_fill(int n_inputs, double lr,
                                                                    double step) {
  return [=](int i, std::vector<double>& d, uint64_t) {
    if (i == n_inputs - 1) d = {lr, step};
    if (n_inputs == 5 && i == 3)
      for (auto& x : d) x = x * x;
  };
}

const Shape kW{4, 3, 3, 3};

OpCase sgd(const std::string& name, Attrs attrs, Shape w = kW) {
  return OpCase{.name = "sgd_update/" + name,
                .op = "sgd_update",
                .inputs = {w, w, w, {2}},
                .attrs = attrs,
                .seed = 3,
                .tier = Tier::Elementwise,
                .fill = hyper_fill(4, 0.05, 1),
                .check_grad = false};
}

OpCase adam(const std::string& name, Attrs attrs, double step, Shape w = kW) {
  return OpCase{.name = "adam_update/" + name,
                .op = "adam_update",
                .inputs = {w, w, w, w, {2}},
                .attrs = attrs,
                .seed = 4,
                .tier = Tier::Elementwise,
                .fill = hyper_fill(5, 1e-3, step),
                .check_grad = false,
                .fp16_skip =
                    "a step of lr 1e-3 is about 2 fp16 ulps of a unit weight: the "
                    "stored parameter would pass on its magnitude alone"};
}

}  // namespace

using A = Attrs;

SEGRT_OP_CASES(sgd("plain", A{}), sgd("momentum_wd", A{{"momentum", 0.9}, {"weight_decay", 1e-4}}),
               sgd("nesterov", A{{"momentum", 0.9}, {"nesterov", int64_t(1)}}),
               adam("step1", A{}, 1), adam("step7_l2", A{{"weight_decay", 1e-2}}, 7),
               adam("adamw", A{{"weight_decay", 1e-2}, {"decoupled", int64_t(1)}, {"eps", 1e-8}},
                    1000),
               // Over 256 elements: the Vulkan update sums its squared changes in several
               // workgroups.
               sgd("momentum_multi_group", A{{"momentum", 0.9}}, Shape{5, 7, 3, 3}),
               adam("step3_multi_group", A{}, 3, Shape{5, 7, 3, 3}),
               // 1152 elements: whole vec4s (the vec4 path) over two workgroups.
               adam("step3_vec4_multi_group", A{}, 3, Shape{8, 16, 3, 3}));

}  // namespace segrt::test
