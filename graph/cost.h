// Static cost of a graph: FLOPs, parameter counts, activation memory, and a per-layer table
// (what `segrt info` prints).
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

struct LayerCost {
  std::string name;  // the node's name ("enc1.conv1"); "%<node id>" when unnamed
  std::string op;
  Shape out;           // first output's shape
  int64_t params = 0;  // elements of the Param/State inputs first consumed by this node
  double flops = 0;    // OpDef::flops, or one per output element
};

struct GraphCost {
  double flops = 0;               // one run of the scheduled nodes
  int64_t trainable = 0;          // elements of Params
  int64_t non_trainable = 0;      // elements of State
  int64_t activation_bytes = 0;   // every activation produced, no reuse
  int64_t peak_bytes = 0;         // the memory plan's arena (activations with reuse)
  std::vector<LayerCost> layers;  // in schedule order
};

// Cost of computing `outputs` (the graph's outputs when empty). Parameter counts cover every
// Param/State of the graph, used or not.
GraphCost graph_cost(const Graph& g, std::vector<int> outputs = {});

// A fixed-width text table of the layers followed by the totals.
std::string cost_table(const GraphCost& c);

// 1234567 -> "1,234,567"; 3.2e9 -> "3.20 G".
std::string group_digits(int64_t v);
std::string si(double v);

}  // namespace segrt
