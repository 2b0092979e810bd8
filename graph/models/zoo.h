// The model zoo: networks registered by name and built from a spec string
// "name:key=val,key=val", e.g. "oru-net:residual=1,out=1" or "unet:preset=oru-teacher".
//
// Every model takes the common options in= (input channels), out= (output channels) and
// head=sigmoid|softmax, plus its own. A model graph has one input "image" [N, in, H, W] and
// one output "logits" [N, out, H, W] (pre-activation; `head` says which activation turns them
// into probabilities). Graph::meta records: model (the canonical spec, every option spelt
// out), name, head, in_channels, out_channels, height, width, mode, input, output.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/nn.h"
#include "graph/op_registry.h"

namespace segrt {

struct ModelOption {
  std::string key;
  std::string def;  // default value, as text
  std::string help;
};

// Parsed, defaulted options of one model.
class ModelOptions {
 public:
  ModelOptions(std::string model, std::map<std::string, std::string> values,
               std::set<std::string> given = {})
      : model_(std::move(model)), v_(std::move(values)), given_(std::move(given)) {}
  const std::string& model() const { return model_; }
  std::string s(const std::string& key) const;
  int64_t i(const std::string& key) const;  // Error unless an integer
  double f(const std::string& key) const;   // Error unless a number
  bool b(const std::string& key) const;     // 0/1, true/false
  // "name:k1=v1,k2=v2" with every option, keys sorted.
  std::string spec() const;
  const std::map<std::string, std::string>& all() const { return v_; }
  // Whether the spec string spelt the option out (not a default or a preset's value).
  bool given(const std::string& key) const { return given_.count(key) != 0; }
  void set(const std::string& key, const std::string& value) { v_.at(key) = value; }

 private:
  std::string model_;
  std::map<std::string, std::string> v_;
  std::set<std::string> given_;
};

struct ModelDef {
  std::string name;
  std::string summary;               // one line for `segrt models`
  std::vector<ModelOption> options;  // model-specific; in/out/head are added from the fields below
  int64_t in = 1, out = 1;
  std::string head = "sigmoid";
  int64_t size = 128;          // default input height and width
  int64_t size_multiple = 16;  // height and width must be multiples (the pooling depth)
  // preset name -> option values it sets (explicit options still win). Enables option "preset".
  std::map<std::string, std::map<std::string, std::string>> presets;
  // Builds the network on the input `x` and returns the logits [N, out, H, W].
  std::function<int(Net& n, int x, const ModelOptions& o)> build;
  // When set, replaces size_multiple (e.g. for a depth option).
  std::function<int64_t(const ModelOptions& o)> multiple;
};

class ModelRegistry {
 public:
  static ModelRegistry& get();
  void add(ModelDef def);
  const ModelDef& at(const std::string& name) const;  // Error naming the known models
  std::vector<std::string> names() const;
};

struct ModelRegistrar {
  explicit ModelRegistrar(ModelDef def) { ModelRegistry::get().add(std::move(def)); }
};
#define SEGRT_REGISTER_MODEL(def) \
  static ::segrt::ModelRegistrar SEGRT_CAT(segrt_model_reg_, __COUNTER__)(def)

// Parses a spec against the registry: unknown model, unknown option, malformed or duplicate
// key=value, bad preset, and bad common options (in, out, head) are Errors.
ModelOptions parse_model_spec(const std::string& spec);

// Builds the model graph. in_channels and height (width; 0 = height) of 0 take the model's
// defaults; a nonzero in_channels sets `in` and must agree with an `in=` given in the spec.
Graph build_model(const std::string& spec, int64_t batch, Mode mode, int64_t in_channels = 0,
                  int64_t height = 0, int64_t width = 0);

// One paragraph per model: name, summary, options with defaults and help; for `segrt models`.
std::string describe_models();

}  // namespace segrt
