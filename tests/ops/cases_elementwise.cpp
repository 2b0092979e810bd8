#include "tests/ops/op_case.h"

namespace segrt::test {

using T = Tier;

SEGRT_OP_CASES(
    {.name = "add/same", .op = "add", .inputs = {{2, 3, 4, 5}, {2, 3, 4, 5}}, .tier = T::Elementwise},
    {.name = "add/bcast_channel", .op = "add", .inputs = {{2, 3, 4, 5}, {1, 3, 1, 1}}, .tier = T::Elementwise},
    {.name = "sub/bcast_pixel", .op = "sub", .inputs = {{2, 3, 4, 5}, {2, 1, 4, 5}}, .tier = T::Elementwise},
    {.name = "mul/same", .op = "mul", .inputs = {{2, 3, 4, 5}, {2, 3, 4, 5}}, .tier = T::Elementwise},
    {.name = "mul/bcast_se", .op = "mul", .inputs = {{2, 3, 4, 5}, {2, 3, 1, 1}}, .tier = T::Elementwise},
    {.name = "scale", .op = "scale", .inputs = {{3, 7}}, .attrs = {{"s", 0.37}}, .tier = T::Elementwise},
    {.name = "reduce_to/channel", .op = "reduce_to", .inputs = {{2, 3, 4, 5}}, .attrs = {{"shape", Shape{1, 3, 1, 1}}}},
    {.name = "expand/channel", .op = "expand", .inputs = {{1, 3, 1, 1}}, .attrs = {{"shape", Shape{2, 3, 4, 5}}}, .tier = T::Elementwise},
    {.name = "fill", .op = "fill", .inputs = {}, .attrs = {{"shape", Shape{2, 3}}, {"value", 1.5}}, .tier = T::Elementwise},
    {.name = "relu", .op = "relu", .inputs = {{2, 3, 4, 5}}, .tier = T::Elementwise},
    {.name = "leaky_relu", .op = "leaky_relu", .inputs = {{2, 3, 4, 5}}, .attrs = {{"alpha", 0.2}}, .tier = T::Elementwise},
    {.name = "sigmoid", .op = "sigmoid", .inputs = {{2, 3, 4, 5}}, .tier = T::Elementwise},
    {.name = "tanh", .op = "tanh", .inputs = {{2, 3, 4, 5}}, .tier = T::Elementwise},
    {.name = "silu", .op = "silu", .inputs = {{2, 3, 4, 5}}, .tier = T::Elementwise});

}  // namespace segrt::test
