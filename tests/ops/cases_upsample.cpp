#include "tests/ops/op_case.h"

namespace segrt::test {

using T = Tier;

SEGRT_OP_CASES({.name = "upsample/nearest_x2",
                .op = "upsample",
                .inputs = {{2, 3, 3, 4}},
                .tier = T::Elementwise},
               {.name = "upsample/nearest_x3",
                .op = "upsample",
                .inputs = {{1, 2, 2, 3}},
                .attrs = {{"scale", int64_t{3}}},
                .tier = T::Elementwise},
               {.name = "upsample/bilinear_x2",
                .op = "upsample",
                .inputs = {{2, 3, 3, 4}},
                .attrs = {{"mode", std::string("bilinear")}},
                .tier = T::Elementwise},
               {.name = "upsample/bilinear_x3_align_corners",
                .op = "upsample",
                .inputs = {{1, 2, 3, 4}},
                .attrs = {{"mode", std::string("bilinear")},
                          {"scale", int64_t{3}},
                          {"align_corners", int64_t{1}}},
                .tier = T::Elementwise});

}  // namespace segrt::test
