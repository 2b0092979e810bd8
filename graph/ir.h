// The graph IR: values with shape and dtype, nodes with an op and attributes, named parameters.
// Every network, every training step and every operator test case is one of these graphs.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace segrt {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s);
std::string shape_str(const Shape& s);

enum class DType { F32, F16 };
const char* dtype_name(DType t);

// The kinds of value. Parameters and state live across runs of a program; the rest are
// produced (or fed) per run.
enum class ValueKind {
  Input,      // fed by the caller each run (images, targets, hyper-parameters)
  Param,      // trainable parameter
  State,      // non-trainable persistent tensor: BN running stats, optimizer moments
  Activation  // produced by a node
};
const char* kind_name(ValueKind k);

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Attribute values: integers, reals, strings and integer lists cover every op we have.
using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>>;

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<const std::string, AttrValue>> init) : m_(init) {}

  Attrs& set(const std::string& k, AttrValue v) {
    m_[k] = std::move(v);
    return *this;
  }
  bool has(const std::string& k) const { return m_.count(k) != 0; }
  int64_t i(const std::string& k, int64_t def) const;
  int64_t i(const std::string& k) const;
  double f(const std::string& k, double def) const;
  double f(const std::string& k) const;
  std::string s(const std::string& k, const std::string& def) const;
  std::string s(const std::string& k) const;
  std::vector<int64_t> ints(const std::string& k, std::vector<int64_t> def) const;
  std::vector<int64_t> ints(const std::string& k) const;
  const std::map<std::string, AttrValue>& all() const { return m_; }
  std::string str() const;

 private:
  std::map<std::string, AttrValue> m_;
};

// How a parameter is initialised when a model is built (not when loaded from a file).
struct Init {
  std::string kind = "zeros";  // zeros | ones | const | he_normal | he_uniform | glorot_uniform
  double value = 0;            // for const
  int64_t fan_in = 0, fan_out = 0;
};

struct Value {
  int id = -1;
  Shape shape;
  DType dtype = DType::F32;
  ValueKind kind = ValueKind::Activation;
  std::string name;   // parameters: "enc1.conv1.weight"; others may be empty
  int producer = -1;  // node id, -1 for inputs, parameters and state
  Init init;          // parameters and state only
  bool l2 = false;    // subject to the L2 penalty (kernels, not biases or norms)
};

struct Node {
  int id = -1;
  std::string op;
  Attrs attrs;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string name;
};

class Graph {
 public:
  int add_input(const std::string& name, Shape shape);
  int add_param(const std::string& name, Shape shape, Init init, bool trainable = true,
                bool l2 = false);
  // Adds a node; shapes of its outputs come from the op's shape inference.
  std::vector<int> add(const std::string& op, const std::vector<int>& inputs, Attrs attrs = {},
                       const std::string& name = "");
  // Single-output convenience.
  int add1(const std::string& op, const std::vector<int>& inputs, Attrs attrs = {},
           const std::string& name = "") {
    return add(op, inputs, std::move(attrs), name).at(0);
  }

  const Value& value(int id) const { return values_.at(id); }
  Value& value(int id) { return values_.at(id); }
  const Node& node(int id) const { return nodes_.at(id); }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  void set_outputs(std::vector<int> o) { outputs_ = std::move(o); }
  void add_output(int v) { outputs_.push_back(v); }

  int find(const std::string& name) const;  // -1 when absent
  int get(const std::string& name) const;   // throws when absent
  void set_name(int v, const std::string& name);

  // Parameters (trainable) and state, in creation order.
  std::vector<int> params() const;
  std::vector<int> state() const;

  // Nodes needed to compute `wanted`, in topological (creation) order.
  std::vector<int> schedule(const std::vector<int>& wanted) const;

  std::string dump() const;

  // Free-form metadata carried into the model file (model name, options, head, classes...).
  std::map<std::string, std::string> meta;

 private:
  int new_value(Shape shape, ValueKind kind, const std::string& name);
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
  std::map<std::string, int> by_name_;
};

}  // namespace segrt
