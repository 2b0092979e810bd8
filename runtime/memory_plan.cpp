#include "runtime/memory_plan.h"

#include <algorithm>
#include <map>

namespace segrt {

MemoryPlan plan_memory(const Graph& g, const std::vector<int>& schedule,
                       const std::vector<int>& keep, int64_t align) {
  std::vector<std::vector<int>> steps;
  for (int n : schedule) steps.push_back({n});
  return plan_memory_steps(g, steps, keep, align);
}

MemoryPlan plan_memory_steps(const Graph& g, const std::vector<std::vector<int>>& steps,
                             const std::vector<int>& keep, int64_t align) {
  MemoryPlan plan;
  plan.offset.assign(g.values().size(), -1);
  const int end = static_cast<int>(steps.size());
  // First and last step at which each value is read.
  std::vector<int> first(g.values().size(), -1), last(g.values().size(), -1);
  for (int s = 0; s < end; ++s)
    for (int n : steps[s])
      for (int v : g.node(n).inputs) {
        if (first[v] < 0) first[v] = s;
        last[v] = s;
      }
  for (int v : keep) {
    if (first[v] < 0) first[v] = end;
    last[v] = end;
  }

  struct Block {
    int64_t off, size;
  };
  std::vector<Block> free_list;                             // sorted by offset
  std::multimap<int, std::pair<int64_t, int64_t>> release;  // step -> (off, size)
  auto round = [&](int64_t n) { return (n + align - 1) / align * align; };

  auto give_back = [&](int64_t off, int64_t size) {
    free_list.push_back({off, size});
    std::sort(free_list.begin(), free_list.end(),
              [](const Block& a, const Block& b) { return a.off < b.off; });
    std::vector<Block> merged;
    for (auto& b : free_list) {
      if (!merged.empty() && merged.back().off + merged.back().size == b.off)
        merged.back().size += b.size;
      else
        merged.push_back(b);
    }
    free_list = merged;
  };

  for (int s = 0; s < end; ++s) {
    std::vector<int> outs;
    for (int n : steps[s])
      for (int v : g.node(n).outputs)
        // Read only within this step (or never, in a multi-node step): fused away.
        if (!(steps[s].size() > 1 && (first[v] < 0 || (first[v] == s && last[v] == s))))
          outs.push_back(v);
    for (int v : outs) {
      int64_t size = round(std::max<int64_t>(1, numel(g.value(v).shape)));
      // Best fit among free blocks; otherwise grow the arena.
      int best = -1;
      for (int i = 0; i < static_cast<int>(free_list.size()); ++i)
        if (free_list[i].size >= size && (best < 0 || free_list[i].size < free_list[best].size))
          best = i;
      int64_t off;
      if (best >= 0) {
        off = free_list[best].off;
        free_list[best].off += size;
        free_list[best].size -= size;
        if (free_list[best].size == 0) free_list.erase(free_list.begin() + best);
      } else if (!free_list.empty() &&
                 free_list.back().off + free_list.back().size == plan.arena_elems) {
        // Extend the free block at the arena's end rather than leave it stranded.
        off = free_list.back().off;
        plan.arena_elems = off + size;
        free_list.pop_back();
      } else {
        off = plan.arena_elems;
        plan.arena_elems += size;
      }
      plan.offset[v] = off;
      // A value nobody reads dies right after its producer; the release below happens only
      // after all of this node's outputs are placed, so outputs never alias each other.
      release.emplace(std::max(last[v], s), std::make_pair(off, size));
    }
    // Inputs whose last use is this step are released after the node's outputs are placed, so
    // no kernel reads and writes the same bytes.
    auto range = release.equal_range(s);
    for (auto it = range.first; it != range.second; ++it)
      give_back(it->second.first, it->second.second);
    release.erase(range.first, range.second);
  }
  return plan;
}

}  // namespace segrt
