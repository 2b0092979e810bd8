#include "tests/ops/op_case.h"

namespace segrt::test {

using T = Tier;

SEGRT_OP_CASES({.name = "concat/channels_3",
                .op = "concat",
                .inputs = {{2, 3, 4, 5}, {2, 2, 4, 5}, {2, 1, 4, 5}},
                .tier = T::Elementwise},
               {.name = "concat/width",
                .op = "concat",
                .inputs = {{2, 3, 4, 2}, {2, 3, 4, 3}},
                .attrs = {{"axis", int64_t{-1}}},
                .tier = T::Elementwise},
               {.name = "concat/batch_single",
                .op = "concat",
                .inputs = {{2, 3, 4, 5}},
                .attrs = {{"axis", int64_t{0}}},
                .tier = T::Elementwise},
               {.name = "slice/channels",
                .op = "slice",
                .inputs = {{2, 5, 4, 3}},
                .attrs = {{"axis", int64_t{1}}, {"start", int64_t{1}}, {"size", int64_t{3}}},
                .tier = T::Elementwise},
               {.name = "slice/height",
                .op = "slice",
                .inputs = {{2, 3, 6, 5}},
                .attrs = {{"axis", int64_t{2}}, {"start", int64_t{4}}, {"size", int64_t{2}}},
                .tier = T::Elementwise});

}  // namespace segrt::test
