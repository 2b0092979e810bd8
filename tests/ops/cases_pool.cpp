#include <cmath>

#include "tests/ops/op_case.h"

namespace segrt::test {

using T = Tier;

SEGRT_OP_CASES({.name = "max_pool2d/k2",
                .op = "max_pool2d",
                .inputs = {{2, 3, 6, 6}},
                .attrs = {{"kernel", Shape{2, 2}}},
                .tier = T::Elementwise},
               {.name = "max_pool2d/k3_s2_p1",
                .op = "max_pool2d",
                .inputs = {{2, 3, 5, 6}},
                .attrs = {{"kernel", Shape{3, 3}}, {"stride", Shape{2, 2}}, {"pad", Shape{1, 1}}},
                .tier = T::Elementwise},
               {.name = "max_pool2d/k3x2_s1x2_p1x0",
                .op = "max_pool2d",
                .inputs = {{2, 3, 5, 6}},
                .attrs = {{"kernel", Shape{3, 2}}, {"stride", Shape{1, 2}}, {"pad", Shape{1, 0}}},
                .tier = T::Elementwise},
               // Gaps between windows and a trailing row and column no window covers.
               {.name = "max_pool2d/k2_s3",
                .op = "max_pool2d",
                .inputs = {{2, 2, 7, 8}},
                .attrs = {{"kernel", Shape{2, 2}}, {"stride", Shape{3, 3}}},
                .tier = T::Elementwise},
               {.name = "avg_pool2d/k2",
                .op = "avg_pool2d",
                .inputs = {{2, 3, 6, 6}},
                .attrs = {{"kernel", Shape{2, 2}}},
                .tier = T::Elementwise},
               {.name = "avg_pool2d/k2_odd",
                .op = "avg_pool2d",
                .inputs = {{2, 3, 5, 7}},
                .attrs = {{"kernel", Shape{2, 2}}},
                .tier = T::Elementwise},
               {.name = "avg_pool2d/k3_s1_p1_include_pad",
                .op = "avg_pool2d",
                .inputs = {{2, 3, 5, 6}},
                .attrs = {{"kernel", Shape{3, 3}}, {"stride", Shape{1, 1}}, {"pad", Shape{1, 1}}},
                .tier = T::Elementwise},
               {.name = "avg_pool2d/k3_s2_p1_exclude_pad",
                .op = "avg_pool2d",
                .inputs = {{2, 3, 5, 6}},
                .attrs = {{"kernel", Shape{3, 3}},
                          {"stride", Shape{2, 2}},
                          {"pad", Shape{1, 1}},
                          {"count_include_pad", int64_t{0}}},
                .tier = T::Elementwise},
               {.name = "avg_pool2d/k3x2_s2x1_p1x0",
                .op = "avg_pool2d",
                .inputs = {{2, 3, 5, 6}},
                .attrs = {{"kernel", Shape{3, 2}}, {"stride", Shape{2, 1}}, {"pad", Shape{1, 0}}},
                .tier = T::Elementwise},
               // Values on a coarse grid: overlapping windows with tied maxima.
               {.name = "max_pool2d/ties_k3_s2_p1",
                .op = "max_pool2d",
                .inputs = {{2, 2, 7, 7}},
                .attrs = {{"kernel", Shape{3, 3}}, {"stride", Shape{2, 2}}, {"pad", Shape{1, 1}}},
                .tier = T::Elementwise,
                .fill =
                    [](int, std::vector<double>& d, uint64_t) {
                      for (auto& v : d) v = std::round(v * 2) / 2;
                    }},
               {.name = "global_avg_pool", .op = "global_avg_pool", .inputs = {{2, 3, 5, 6}}},
               // 576 terms a plane: the one-split workgroup reduction, divided in the shader.
               {.name = "global_avg_pool/long",
                .op = "global_avg_pool",
                .inputs = {{1, 2, 24, 24}}});

}  // namespace segrt::test
