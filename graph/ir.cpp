#include "graph/ir.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "graph/op_registry.h"

namespace segrt {

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

const char* dtype_name(DType t) {
  return t == DType::F32 ? "f32" : "f16";
}

const char* kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::Input:
      return "input";
    case ValueKind::Param:
      return "param";
    case ValueKind::State:
      return "state";
    default:
      return "act";
  }
}

// ---- Attrs ------------------------------------------------------------------------------

static Error attr_error(const std::string& k, const char* what) {
  return Error("attribute '" + k + "' " + what);
}

int64_t Attrs::i(const std::string& k, int64_t def) const {
  return has(k) ? i(k) : def;
}
int64_t Attrs::i(const std::string& k) const {
  auto it = m_.find(k);
  if (it == m_.end()) throw attr_error(k, "is missing");
  if (auto p = std::get_if<int64_t>(&it->second)) return *p;
  if (auto p = std::get_if<double>(&it->second)) return static_cast<int64_t>(*p);
  throw attr_error(k, "is not an integer");
}
double Attrs::f(const std::string& k, double def) const {
  return has(k) ? f(k) : def;
}
double Attrs::f(const std::string& k) const {
  auto it = m_.find(k);
  if (it == m_.end()) throw attr_error(k, "is missing");
  if (auto p = std::get_if<double>(&it->second)) return *p;
  if (auto p = std::get_if<int64_t>(&it->second)) return static_cast<double>(*p);
  throw attr_error(k, "is not a number");
}
std::string Attrs::s(const std::string& k, const std::string& def) const {
  return has(k) ? s(k) : def;
}
std::string Attrs::s(const std::string& k) const {
  auto it = m_.find(k);
  if (it == m_.end()) throw attr_error(k, "is missing");
  if (auto p = std::get_if<std::string>(&it->second)) return *p;
  throw attr_error(k, "is not a string");
}
std::vector<int64_t> Attrs::ints(const std::string& k, std::vector<int64_t> def) const {
  return has(k) ? ints(k) : def;
}
std::vector<int64_t> Attrs::ints(const std::string& k) const {
  auto it = m_.find(k);
  if (it == m_.end()) throw attr_error(k, "is missing");
  if (auto p = std::get_if<std::vector<int64_t>>(&it->second)) return *p;
  if (auto p = std::get_if<int64_t>(&it->second)) return {*p, *p};
  throw attr_error(k, "is not an integer list");
}

std::string Attrs::str() const {
  std::ostringstream os;
  bool first = true;
  for (auto& [k, v] : m_) {
    os << (first ? "" : " ") << k << "=";
    first = false;
    if (auto p = std::get_if<int64_t>(&v))
      os << *p;
    else if (auto p = std::get_if<double>(&v))
      os << *p;
    else if (auto p = std::get_if<std::string>(&v))
      os << *p;
    else
      os << shape_str(std::get<std::vector<int64_t>>(v));
  }
  return os.str();
}

// ---- Graph ------------------------------------------------------------------------------

int Graph::new_value(Shape shape, ValueKind kind, const std::string& name) {
  Value v;
  v.id = static_cast<int>(values_.size());
  v.shape = std::move(shape);
  v.kind = kind;
  values_.push_back(v);
  if (!name.empty()) set_name(v.id, name);
  return v.id;
}

void Graph::set_name(int v, const std::string& name) {
  if (by_name_.count(name) && by_name_[name] != v)
    throw Error("graph: duplicate value name '" + name + "'");
  if (!values_.at(v).name.empty()) by_name_.erase(values_[v].name);
  values_.at(v).name = name;
  by_name_[name] = v;
}

int Graph::add_input(const std::string& name, Shape shape) {
  int v = new_value(std::move(shape), ValueKind::Input, name);
  inputs_.push_back(v);
  return v;
}

int Graph::add_param(const std::string& name, Shape shape, Init init, bool trainable, bool l2) {
  int v = new_value(std::move(shape), trainable ? ValueKind::Param : ValueKind::State, name);
  values_[v].init = init;
  values_[v].l2 = l2;
  return v;
}

std::vector<int> Graph::add(const std::string& op, const std::vector<int>& inputs, Attrs attrs,
                            const std::string& name) {
  const OpDef& def = OpRegistry::get().at(op);
  int n = static_cast<int>(inputs.size());
  if (n < def.min_inputs || n > def.max_inputs)
    throw Error("op '" + op + "' takes " + std::to_string(def.min_inputs) + ".." +
                std::to_string(def.max_inputs) + " inputs, got " + std::to_string(n));
  std::vector<Shape> in_shapes;
  for (int v : inputs) in_shapes.push_back(values_.at(v).shape);
  std::vector<Shape> out_shapes;
  try {
    out_shapes = def.infer(in_shapes, attrs);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + (name.empty() ? "" : " (node '" + name + "')"));
  }
  Node nd;
  nd.id = static_cast<int>(nodes_.size());
  nd.op = op;
  nd.attrs = std::move(attrs);
  nd.inputs = inputs;
  nd.name = name;
  for (size_t k = 0; k < out_shapes.size(); ++k) {
    int v = new_value(out_shapes[k], ValueKind::Activation, "");
    values_[v].producer = nd.id;
    nd.outputs.push_back(v);
  }
  nodes_.push_back(nd);
  return nodes_.back().outputs;
}

int Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

int Graph::get(const std::string& name) const {
  int v = find(name);
  if (v < 0) throw Error("graph: no value named '" + name + "'");
  return v;
}

std::vector<int> Graph::params() const {
  std::vector<int> r;
  for (auto& v : values_)
    if (v.kind == ValueKind::Param) r.push_back(v.id);
  return r;
}

std::vector<int> Graph::state() const {
  std::vector<int> r;
  for (auto& v : values_)
    if (v.kind == ValueKind::State) r.push_back(v.id);
  return r;
}

std::vector<int> Graph::schedule(const std::vector<int>& wanted) const {
  // Nodes are created after their inputs, so creation order is topological; mark what is needed.
  std::vector<char> need(nodes_.size(), 0);
  std::vector<int> stack;
  for (int v : wanted)
    if (values_.at(v).producer >= 0) stack.push_back(values_[v].producer);
  while (!stack.empty()) {
    int n = stack.back();
    stack.pop_back();
    if (need[n]) continue;
    need[n] = 1;
    for (int v : nodes_[n].inputs)
      if (values_[v].producer >= 0 && !need[values_[v].producer])
        stack.push_back(values_[v].producer);
  }
  std::vector<int> order;
  for (size_t n = 0; n < nodes_.size(); ++n)
    if (need[n]) order.push_back(static_cast<int>(n));
  return order;
}

std::string Graph::dump() const {
  std::ostringstream os;
  auto vname = [&](int v) {
    const Value& x = values_[v];
    return x.name.empty() ? "%" + std::to_string(v) : x.name;
  };
  for (auto& v : values_)
    if (v.kind != ValueKind::Activation)
      os << kind_name(v.kind) << " " << vname(v.id) << " " << shape_str(v.shape) << "\n";
  for (auto& n : nodes_) {
    for (size_t k = 0; k < n.outputs.size(); ++k)
      os << (k ? ", " : "") << vname(n.outputs[k]) << shape_str(values_[n.outputs[k]].shape);
    os << " = " << n.op << "(";
    for (size_t k = 0; k < n.inputs.size(); ++k) os << (k ? ", " : "") << vname(n.inputs[k]);
    os << ")";
    if (!n.attrs.all().empty()) os << " {" << n.attrs.str() << "}";
    if (!n.name.empty()) os << "  # " << n.name;
    os << "\n";
  }
  os << "outputs:";
  for (int v : outputs_) os << " " << vname(v);
  os << "\n";
  return os.str();
}

}  // namespace segrt
