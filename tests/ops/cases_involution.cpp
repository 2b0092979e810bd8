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
     .attrs = {{"kernel_size", int64_t{1}}, {"groups", int64_t{2}}}});

}  // namespace segrt::test
