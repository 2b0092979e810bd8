#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

using T = Tier;

// The key (input 1) holds an integer step counter.
void step_key(int i, std::vector<double>& d, uint64_t) {
  if (i == 1) d[0] = 7;
}

}  // namespace

SEGRT_OP_CASES({.name = "dropout/p0.3",
                .op = "dropout",
                .inputs = {{2, 3, 5, 6}, {1}},
                .attrs = {{"p", 0.3}, {"seed", int64_t{42}}},
                .tier = T::Elementwise,
                .no_grad = {1},
                .fill = step_key},
               {.name = "dropout/spatial_p0.5",
                .op = "dropout",
                .inputs = {{2, 3, 5, 6}, {1}},
                .attrs = {{"p", 0.5}, {"seed", int64_t{3}}, {"spatial", int64_t{1}}},
                .tier = T::Elementwise,
                .no_grad = {1},
                .fill = step_key},
               // 105 elements: the float path, the last Philox block cut short.
               {.name = "dropout/odd_size",
                .op = "dropout",
                .inputs = {{3, 5, 7}, {1}},
                .attrs = {{"p", 0.3}, {"seed", int64_t{5}}},
                .tier = T::Elementwise,
                .no_grad = {1},
                .fill = step_key},
               // 12 elements per channel: spatial on the vec4 path.
               {.name = "dropout/spatial_vec4",
                .op = "dropout",
                .inputs = {{2, 5, 4, 3}, {1}},
                .attrs = {{"p", 0.5}, {"seed", int64_t{9}}, {"spatial", int64_t{1}}},
                .tier = T::Elementwise,
                .no_grad = {1},
                .fill = step_key});

}  // namespace segrt::test
