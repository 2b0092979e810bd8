// Model files: the safetensors layout (8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the raw little-endian data), so the
// weights open in any safetensors reader. Parameter names are the graph's ("enc1.conv1.weight",
// OIHW like PyTorch). A segrt model file's "__metadata__" carries:
//   format  "segrt"
//   version "1"
//   model   the model spec string (Graph::meta["model"]), enough to rebuild in any mode
//   graph   the graph IR as JSON text (graph_to_json)
//   any other key: caller-provided training state (epoch, best metric, optimizer, ...)
// Tensors: every Param and State of the graph, plus optional extra tensors (optimizer moments,
// by convention prefixed "optim.").
#pragma once

#include <map>
#include <string>

#include "graph/init.h"
#include "graph/ir.h"

namespace segrt {

struct Tensor {
  Shape shape;
  std::vector<float> data;
};
using TensorMap = std::map<std::string, Tensor>;

// ---- generic safetensors (F32 tensors only) ----
struct Safetensors {
  TensorMap tensors;
  std::map<std::string, std::string> metadata;
};
// Written atomically: a temporary file in the same directory, fsync, rename, fsync of the
// directory. Errors name the file.
void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata);
// Validates the header length, the JSON, dtypes, shapes and byte ranges against the file size;
// any problem is an Error naming the file.
Safetensors read_safetensors(const std::string& path);

// ---- graph IR as JSON ----
std::string graph_to_json(const Graph& g);
// Rebuilds the graph through the op registry (shape inference re-runs and must agree with the
// recorded shapes). Errors say what does not match.
Graph graph_from_json(const std::string& text);

// ---- segrt model files ----
struct ModelFile {
  Graph graph;                              // the graph stored in the file
  ParamStore params;                        // every Param and State of `graph`
  std::map<std::string, std::string> info;  // the caller's training state
  TensorMap extra;                          // tensors that are not Params/State of `graph`
  std::string model() const;                // the spec string
};

// `params` must hold every Param and State of `g` (check_params); `info` keys may not be
// format, version, model or graph; `extra` names may not collide with parameter names.
void save_model(const std::string& path, const Graph& g, const ParamStore& params,
                const std::map<std::string, std::string>& info = {}, const TensorMap& extra = {});
// Reads and validates a segrt model file (format, version, graph, every parameter present).
ModelFile load_model(const std::string& path);

}  // namespace segrt
