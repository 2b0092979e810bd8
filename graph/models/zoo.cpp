#include "graph/models/zoo.h"

#include <cstdlib>

namespace segrt {
namespace {

std::map<std::string, ModelDef>& table() {
  static std::map<std::string, ModelDef> t;
  return t;
}

std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (auto& s : v) r += (r.empty() ? "" : ", ") + s;
  return r;
}

// The model's options including the common ones, in declaration order.
std::vector<ModelOption> all_options(const ModelDef& d) {
  std::vector<ModelOption> o = {
      {"in", std::to_string(d.in), "input channels"},
      {"out", std::to_string(d.out), "output channels"},
      {"head", d.head, "activation that turns logits into probabilities: sigmoid | softmax"}};
  if (!d.presets.empty()) {
    std::vector<std::string> names;
    for (auto& [k, v] : d.presets) names.push_back(k);
    o.push_back({"preset", "", "sets several options at once: " + join(names)});
  }
  o.insert(o.end(), d.options.begin(), d.options.end());
  return o;
}

}  // namespace

// ---- ModelOptions -------------------------------------------------------------------------

std::string ModelOptions::s(const std::string& key) const {
  auto it = v_.find(key);
  if (it == v_.end()) throw Error("model '" + model_ + "': no option '" + key + "'");
  return it->second;
}

int64_t ModelOptions::i(const std::string& key) const {
  std::string t = s(key);
  char* end = nullptr;
  long long r = std::strtoll(t.c_str(), &end, 10);
  if (t.empty() || *end != '\0')
    throw Error("model '" + model_ + "': option " + key + " must be an integer, got '" + t + "'");
  return r;
}

double ModelOptions::f(const std::string& key) const {
  std::string t = s(key);
  char* end = nullptr;
  double r = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0')
    throw Error("model '" + model_ + "': option " + key + " must be a number, got '" + t + "'");
  return r;
}

bool ModelOptions::b(const std::string& key) const {
  std::string t = s(key);
  if (t == "1" || t == "true") return true;
  if (t == "0" || t == "false") return false;
  throw Error("model '" + model_ + "': option " + key + " must be 0 or 1, got '" + t + "'");
}

std::string ModelOptions::spec() const {
  std::string r = model_;
  char sep = ':';
  for (auto& [k, v] : v_) {
    if (k == "preset") continue;  // its effect is spelt out by the other options
    r += sep + k + "=" + v;
    sep = ',';
  }
  return r;
}

// ---- registry ------------------------------------------------------------------------------

ModelRegistry& ModelRegistry::get() {
  static ModelRegistry r;
  return r;
}

void ModelRegistry::add(ModelDef def) {
  if (!def.build) throw Error("model '" + def.name + "' has no builder");
  table()[def.name] = std::move(def);
}

const ModelDef& ModelRegistry::at(const std::string& name) const {
  auto it = table().find(name);
  if (it == table().end())
    throw Error("unknown model '" + name + "' (known: " + join(names()) + ")");
  return it->second;
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> r;
  for (auto& [k, v] : table()) r.push_back(k);
  return r;
}

ModelOptions parse_model_spec(const std::string& spec) {
  size_t colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  const ModelDef& d = ModelRegistry::get().at(name);
  std::map<std::string, std::string> v;
  std::vector<std::string> known;
  for (auto& o : all_options(d)) {
    v[o.key] = o.def;
    known.push_back(o.key);
  }
  std::map<std::string, std::string> given;
  if (colon != std::string::npos) {
    std::string rest = spec.substr(colon + 1);
    size_t pos = 0;
    while (pos <= rest.size()) {
      size_t comma = rest.find(',', pos);
      std::string kv =
          rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      pos = comma == std::string::npos ? rest.size() + 1 : comma + 1;
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
        throw Error("model spec '" + spec + "': expected key=value, got '" + kv + "'");
      std::string k = kv.substr(0, eq);
      if (!v.count(k))
        throw Error("model '" + name + "': unknown option '" + k + "' (options: " + join(known) +
                    ")");
      if (given.count(k)) throw Error("model spec '" + spec + "': option '" + k + "' given twice");
      given[k] = kv.substr(eq + 1);
    }
  }
  if (given.count("preset")) {
    auto p = d.presets.find(given["preset"]);
    if (p == d.presets.end())
      throw Error("model '" + name + "': unknown preset '" + given["preset"] + "'");
    for (auto& [k, val] : p->second) v.at(k) = val;
  }
  std::set<std::string> keys;
  for (auto& [k, val] : given) {
    v[k] = val;
    keys.insert(k);
  }
  ModelOptions o(name, v, keys);
  if (o.i("in") < 1 || o.i("out") < 1)
    throw Error("model '" + name + "': in and out must be at least 1");
  if (o.s("head") != "sigmoid" && o.s("head") != "softmax")
    throw Error("model '" + name + "': head must be sigmoid or softmax, got '" + o.s("head") + "'");
  if (o.s("head") == "softmax" && o.i("out") < 2)
    throw Error("model '" + name + "': a softmax head needs out >= 2");
  return o;
}

Graph build_model(const std::string& spec, int64_t batch, Mode mode, int64_t in_channels,
                  int64_t height, int64_t width) {
  ModelOptions o = parse_model_spec(spec);
  const ModelDef& d = ModelRegistry::get().at(o.model());
  if (in_channels > 0) {
    if (o.given("in") && o.i("in") != in_channels)
      throw Error("model spec '" + spec + "' says in=" + o.s("in") + " but the input has " +
                  std::to_string(in_channels) + " channels");
    o.set("in", std::to_string(in_channels));
  }
  if (batch < 1) throw Error("build_model: batch must be at least 1");
  if (height <= 0) height = d.size;
  if (width <= 0) width = height;
  int64_t mult = d.multiple ? d.multiple(o) : d.size_multiple;
  if (height % mult || width % mult)
    throw Error("model '" + o.spec() + "': input " + std::to_string(height) + "x" +
                std::to_string(width) + " must be a multiple of " + std::to_string(mult));

  Net n(mode);
  int x = n.input("image", {batch, o.i("in"), height, width});
  int y = d.build(n, x, o);
  Shape want = {batch, o.i("out"), height, width};
  if (n.shape(y) != want)
    throw Error("model '" + o.spec() + "' produced " + shape_str(n.shape(y)) + ", expected " +
                shape_str(want));
  Graph& g = n.graph();
  g.set_name(y, "logits");
  g.set_outputs({y});
  g.meta["model"] = o.spec();
  g.meta["name"] = o.model();
  g.meta["head"] = o.s("head");
  g.meta["in_channels"] = o.s("in");
  g.meta["out_channels"] = o.s("out");
  g.meta["height"] = std::to_string(height);
  g.meta["width"] = std::to_string(width);
  g.meta["mode"] = mode_name(mode);
  g.meta["input"] = "image";
  g.meta["output"] = "logits";
  return std::move(g);
}

std::string describe_models() {
  std::string r;
  for (auto& name : ModelRegistry::get().names()) {
    const ModelDef& d = ModelRegistry::get().at(name);
    r += name + " - " + d.summary + "\n";
    for (auto& o : all_options(d))
      r += "    " + o.key + "=" + (o.def.empty() ? "\"\"" : o.def) + "  " + o.help + "\n";
  }
  return r;
}

}  // namespace segrt
