#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

// Running variances (input 4) must be positive.
void positive_var(int i, std::vector<double>& d, uint64_t seed) {
  if (i != 4) return;
  for (size_t k = 0; k < d.size(); ++k) d[k] = uniform(seed, k, 0.5, 2.0);
}

// Inputs far from zero mean and unit variance, so the normalisation does real work.
void shifted_x(int i, std::vector<double>& d, uint64_t seed) {
  if (i == 0)
    for (auto& v : d) v = 3.0 * v + 1.5;
  positive_var(i, d, seed);
}

}  // namespace

SEGRT_OP_CASES({.name = "batch_norm_train/default",
                .op = "batch_norm_train",
                .inputs = {{2, 3, 5, 6}, {3}, {3}, {3}, {3}},
                .no_grad = {3, 4},
                .fill = positive_var},
               {.name = "batch_norm_train/shifted_m0.9",
                .op = "batch_norm_train",
                .inputs = {{3, 2, 2, 3}, {2}, {2}, {2}, {2}},
                .attrs = {{"eps", 1e-5}, {"momentum", 0.9}},
                .seed = 2,
                .no_grad = {3, 4},
                .fill = shifted_x},
               // 3200 values per channel in 40x40 planes: the vec4 statistics in one workgroup.
               {.name = "batch_norm_train/long_2x3x40x40",
                .op = "batch_norm_train",
                .inputs = {{2, 3, 40, 40}, {3}, {3}, {3}, {3}},
                .seed = 4,
                .no_grad = {3, 4},
                .fill = shifted_x},
               // 9216 values per channel in planes of whole vec4s: the vec4 statistics split
               // over two workgroups per channel.
               {.name = "batch_norm_train/vec4_split_3x2x48x64",
                .op = "batch_norm_train",
                .inputs = {{3, 2, 48, 64}, {2}, {2}, {2}, {2}},
                .seed = 5,
                .no_grad = {3, 4},
                .fill = shifted_x},
               // 2450 values per channel, 35x35 planes: the float statistics over two splits.
               {.name = "batch_norm_train/float_split_2x2x35x35",
                .op = "batch_norm_train",
                .inputs = {{2, 2, 35, 35}, {2}, {2}, {2}, {2}},
                .seed = 6,
                .no_grad = {3, 4},
                .fill = shifted_x},
               {.name = "batch_norm_infer/vec4",
                .op = "batch_norm_infer",
                .inputs = {{2, 3, 4, 4}, {3}, {3}, {3}, {3}},
                .no_grad = {3, 4},
                .fill = positive_var},
               {.name = "batch_norm_infer",
                .op = "batch_norm_infer",
                .inputs = {{2, 3, 5, 6}, {3}, {3}, {3}, {3}},
                .no_grad = {3, 4},
                .fill = positive_var},
               {.name = "layer_norm_channels/default",
                .op = "layer_norm_channels",
                .inputs = {{2, 4, 3, 5}, {4}, {4}}},
               {.name = "layer_norm_channels/shifted_eps1e-5_72px",
                .op = "layer_norm_channels",
                .inputs = {{2, 3, 9, 8}, {3}, {3}},
                .attrs = {{"eps", 1e-5}},
                .seed = 3,
                .fill = shifted_x});

}  // namespace segrt::test
