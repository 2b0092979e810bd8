// Parameter values on the host: materialising a model's Init rules from a seed, and checking a
// set of values against a graph.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

// Values of parameters and state by name, dense in the value's shape (OIHW for conv weights).
using ParamStore = std::map<std::string, std::vector<float>>;

// One value drawn per its Init rule. Deterministic and platform-independent: element i of the
// value named `name` is a pure function of (seed, name, i) through Philox, so adding a layer
// does not change the others. Kinds (Keras' definitions):
//   zeros, ones, const (value), glorot_uniform U(+-sqrt(6/(fan_in+fan_out))),
//   he_uniform U(+-sqrt(6/fan_in)), he_normal N(0, 2/fan_in) truncated at 2 sd and rescaled.
std::vector<float> init_value(const std::string& name, const Shape& shape, const Init& init,
                              uint64_t seed);

// Every Param and State of `g`, initialised with init_value.
ParamStore init_params(const Graph& g, uint64_t seed);

// Throws Error listing what is wrong when `s` lacks a Param/State of `g` or holds one of the
// wrong size. Extra names in `s` are allowed only when allow_extra is true.
void check_params(const Graph& g, const ParamStore& s, bool allow_extra = false);

}  // namespace segrt
