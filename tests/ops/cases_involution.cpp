#include "tests/ops/op_case.h"

namespace segrt::test {

SEGRT_OP_CASES(
    {.name = "involution/k3_g2",
     .op = "involution",
     .inputs = {{2, 4, 5, 6}, {2, 18, 5, 6}},
     .attrs = {{"kernel_size", int64_t{3}}, {"groups", int64_t{2}}}},
    {.name = "involution/k3_g1_s2",
     .op = "involution",
     .inputs = {{2, 3, 5, 6}, {2, 9, 3, 3}},
     .attrs = {{"kernel_size", int64_t{3}}, {"stride", int64_t{2}}}},
    {.name = "involution/k3_g3_d2",
     .op = "involution",
     .inputs = {{1, 3, 5, 6}, {1, 27, 5, 6}},
     .attrs = {{"kernel_size", int64_t{3}}, {"groups", int64_t{3}}, {"dilation", int64_t{2}}}},
    {.name = "involution/k1_g2",
     .op = "involution",
     .inputs = {{2, 4, 3, 5}, {2, 2, 3, 5}},
     .attrs = {{"kernel_size", int64_t{1}}, {"groups", int64_t{2}}}},
    // Per-axis stride and dilation.
    {.name = "involution/k3_s12_d21",
     .op = "involution",
     .inputs = {{1, 2, 6, 7}, {1, 9, 6, 4}},
     .attrs = {{"kernel_size", int64_t{3}},
               {"stride", std::vector<int64_t>{1, 2}},
               {"dilation", std::vector<int64_t>{2, 1}}}});

}  // namespace segrt::test
