// Liveness-based memory planning: every activation gets an offset in one arena; values whose
// lifetimes do not overlap share bytes.
#pragma once

#include <cstddef>
#include <vector>

#include "graph/ir.h"

namespace segrt {

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value id, in elements; -1 when not in the arena
  int64_t arena_elems = 0;
};

// `schedule` is the node order; `keep` are values that must stay readable until the end.
MemoryPlan plan_memory(const Graph& g, const std::vector<int>& schedule,
                       const std::vector<int>& keep, int64_t align_elems = 16);

// The same over steps of one or more nodes (a fused group is one step, computed by one kernel):
// a step's outputs never share bytes with the values it reads, and a value read only inside
// its own step (a fused intermediate) gets no memory (offset -1).
MemoryPlan plan_memory_steps(const Graph& g, const std::vector<std::vector<int>>& steps,
                             const std::vector<int>& keep, int64_t align_elems = 16);

}  // namespace segrt
