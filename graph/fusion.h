// Inference fusion analysis: which conv2d nodes can absorb the nodes that follow them into their
// epilogue. A backend that fuses computes the group as one kernel,
//   y = act((conv(x, w) + bias) * scale + shift + residual)
// with scale/shift the batch-norm fold (scale = gamma / sqrt(var + eps), shift = beta - mean *
// scale), and never materialises the intermediate values. The graph itself is not changed, so
// every backend still runs it unfused and the results can be compared.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

struct ConvEpilogue {
  int conv = -1;           // the conv2d node
  int bn = -1;             // batch_norm_infer node folded in, or -1
  int add = -1;            // add node whose other operand is the residual, or -1
  int residual = -1;       // value added before the activation, or -1
  int act = -1;            // activation node, or -1
  std::string act_op;      // "relu" | "leaky_relu" | "sigmoid" | ""
  double alpha = 0;        // leaky_relu slope
  int output = -1;         // the value the group produces (the last node's output)
  std::vector<int> nodes;  // every node of the group, in schedule order
};

// Groups conv2d -> [batch_norm_infer] -> [add residual] -> [relu | leaky_relu | sigmoid] in
// `schedule` where every intermediate value has exactly one consumer in the schedule and is not
// in `keep` (values the caller reads). The residual must be computed before the conv; a backend
// computes the group where its last node stands in the schedule. Groups of a lone conv2d are not
// returned.
std::vector<ConvEpilogue> find_conv_epilogues(const Graph& g, const std::vector<int>& schedule,
                                              const std::vector<int>& keep);

// The schedule as steps: each group becomes one step where its conv stands (every input of the
// group is ready there: the residual comes before the conv), every other node a step of its own.
std::vector<std::vector<int>> fused_steps(const std::vector<int>& schedule,
                                          const std::vector<ConvEpilogue>& groups);

}  // namespace segrt
