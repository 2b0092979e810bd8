#include "tests/ops/op_case.h"

namespace segrt::test {

SEGRT_OP_CASES({.name = "softmax_channels", .op = "softmax_channels", .inputs = {{2, 4, 3, 5}}},
               // 90 pixels: more than one pixel tile; logits spread over [-5, 5].
               {.name = "softmax_channels/wide_90px",
                .op = "softmax_channels",
                .inputs = {{1, 3, 9, 10}},
                .seed = 4,
                .fill = [](int, std::vector<double>& d, uint64_t) {
                  for (auto& v : d) v *= 5;
                }});

}  // namespace segrt::test
