// Reverse-mode autodiff over the IR: emits backward ops as ordinary nodes of the same graph.
#pragma once

#include <map>
#include <vector>

#include "graph/ir.h"

namespace segrt {

// Adds the nodes computing the gradient of the seeded values with respect to `wrt`.
// `seeds` pairs a value with the value holding its incoming gradient (same shape).
// Returns value -> gradient value for every element of `wrt` that the seeds depend on.
std::map<int, int> add_backward(Graph& g, const std::vector<std::pair<int, int>>& seeds,
                                const std::vector<int>& wrt);

}  // namespace segrt
